// The published package, installed the way a user installs it, on a machine without a compiler:
// `npm pack` (which runs prepack: prebuilt addon + WASM + TypeScript), then `npm install` of the
// tarball into an empty project whose PATH holds only node, npm and sh — no cc, c++, g++, cmake.
//   1. the prebuilt addon is chosen at install (one line says so), loads without a fallback
//      warning, and answers queries;
//   2. QUIVERDB_FORCE_WASM=1 gives the same answers from the WASM build;
//   3. without the prebuilt binary the install step says it falls back to WASM (no compiler), and
//      the package still gives the same answers, with its one-line warning.
// Dependencies come from npm's cache where it has them (--prefer-offline: the project's own
// `npm ci` put the tarballs there; package metadata may still come from the registry).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'quiver-pkg-'));
const bin = join(work, 'bin');
const consumer = join(work, 'consumer');
const tuple = `${process.platform}-${process.arch}`;

/** The environment of a machine without build tools: PATH has node, npm and sh only. */
const bareEnv = {
  HOME: process.env.HOME ?? '/root',
  PATH: bin,
  npm_config_cache: execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim(),
};

type Answers = { items: number; answers: { all: [string, number][]; filtered: [string, number][] }[] };

function runCheck(extraEnv: Record<string, string> = {}): { answers: Answers; stderr: string } {
  const r = spawnSync(join(bin, 'node'), ['check.mjs'], {
    cwd: consumer,
    env: { ...bareEnv, ...extraEnv },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`check.mjs failed (${r.status}): ${r.stderr}`);
  return { answers: JSON.parse(r.stdout) as Answers, stderr: r.stderr };
}

function expectSameAnswers(a: Answers, b: Answers): void {
  expect(b.items).toBe(a.items);
  a.answers.forEach((q, i) => {
    for (const kind of ['all', 'filtered'] as const) {
      expect(b.answers[i]![kind].map(([id]) => id)).toEqual(q[kind].map(([id]) => id));
      b.answers[i]![kind].forEach(([, score], j) => expect(score).toBeCloseTo(q[kind][j]![1], 5));
    }
  });
}

let installLog = '';
let tarball = '';

beforeAll(() => {
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()), join(bin, 'npm'));
  symlinkSync('/bin/sh', join(bin, 'sh'));

  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);

  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  copyFileSync(join(root, 'test', 'pkg', 'consumer-check.mjs'), join(consumer, 'check.mjs'));
  installLog = execFileSync(
    join(bin, 'npm'),
    ['install', '--prefer-offline', '--foreground-scripts', '--no-audit', '--no-fund', tarball],
    { cwd: consumer, env: bareEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the packed quiverdb on a machine without a compiler', () => {
  it('has no compiler or CMake on its PATH', () => {
    for (const tool of ['cc', 'c++', 'g++', 'gcc', 'clang++', 'cmake', 'make']) {
      const r = spawnSync(tool, ['--version'], { env: bareEnv });
      expect((r.error as NodeJS.ErrnoException | undefined)?.code, tool).toBe('ENOENT');
    }
  });

  it('ships the prebuilt addon, the WASM build and the TypeScript API', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain(`package/prebuilds/${tuple}/quiverdb.glibc.node`);
    for (const f of ['quiver-node.cjs', 'quiver-node.wasm', 'quiver.mjs', 'quiver.wasm']) {
      expect(files).toContain(`package/dist/wasm/${f}`);
    }
    expect(files).toContain('package/dist/esm/index.js');
    expect(files).toContain('package/dist/cjs/index.js');
    expect(files).toContain('package/dist/esm/cli/main.js');
  });

  it('picks the prebuilt addon at install, in one line, compiling nothing', () => {
    const lines = installLog.split('\n').filter((l) => l.startsWith('quiverdb:'));
    expect(lines).toEqual([`quiverdb: using the prebuilt native addon prebuilds/${tuple}/quiverdb.glibc.node (nothing to compile)`]);
  });

  let native: Answers;
  it('loads the prebuilt addon without a fallback warning and answers queries', () => {
    const { answers, stderr } = runCheck();
    expect(stderr).not.toContain('quiverdb:');
    expect(answers.items).toBe(300);
    expect(answers.answers).toHaveLength(5);
    for (const q of answers.answers) {
      expect(q.all).toHaveLength(5);
      expect(q.filtered.length).toBeGreaterThan(0);
      for (const [id] of q.filtered) {
        const rank = Number(id.slice('item-'.length));
        expect(rank % 3 === 0 && rank < 200, id).toBe(true);
      }
    }
    native = answers;
  });

  it('gives the same answers from the WASM build with QUIVERDB_FORCE_WASM=1', () => {
    const { answers, stderr } = runCheck({ QUIVERDB_FORCE_WASM: '1' });
    expect(stderr.trim()).toBe('quiverdb: using the WASM build (QUIVERDB_FORCE_WASM=1)');
    expectSameAnswers(native, answers);
  });

  it('falls back to WASM at install and at run time when there is no prebuilt binary', () => {
    const pkg = join(consumer, 'node_modules', 'quiverdb');
    rmSync(join(pkg, 'prebuilds'), { recursive: true });
    const out = execFileSync(join(bin, 'node'), [join(pkg, 'scripts', 'install.mjs')], {
      cwd: pkg,
      env: bareEnv,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(
      `quiverdb: using the WASM build (slower) because no prebuilt binary for ${tuple} and ` +
        'a C++17 compiler and CMake are not on PATH to build one',
    );
    const { answers, stderr } = runCheck();
    expect(stderr.trim()).toMatch(/^quiverdb: using the WASM build \(slower\): no native addon for /);
    expectSameAnswers(native, answers);
  });

  it('installs the quiver command', () => {
    const r = spawnSync(join(consumer, 'node_modules', '.bin', 'quiver'), ['--version'], {
      env: bareEnv,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
