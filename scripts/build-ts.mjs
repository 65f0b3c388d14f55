#!/usr/bin/env node
// Builds the TypeScript API twice with the project's own TypeScript: dist/esm (ES modules) and
// dist/cjs (CommonJS), each with .d.ts files. Each output folder gets a package.json naming its
// module format so that Node reads the .js files right whatever the root package.json says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// As the "prepare" script (--prepare): `npm pack`/`npm publish` run prepare right after prepack,
// which has just built dist/ (scripts/prepack.mjs); building it twice only costs time.
if (process.argv.includes('--prepare') && ['pack', 'publish'].includes(process.env.npm_command ?? '')) {
  console.log('build-ts: dist/ was built by prepack');
  process.exit(0);
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const builds = [
  { project: 'tsconfig.esm.json', out: join(root, 'dist', 'esm'), type: 'module' },
  { project: 'tsconfig.cjs.json', out: join(root, 'dist', 'cjs'), type: 'commonjs' },
];

for (const { project, out, type } of builds) {
  // Start clean: a file deleted from ts/src must not linger in the package.
  rmSync(out, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, project)], {
      stdio: 'inherit',
      cwd: root,
    });
  } catch {
    console.error(`build-ts: tsc -p ${project} failed`);
    process.exit(1);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}
console.log('build-ts: dist/esm and dist/cjs built');
