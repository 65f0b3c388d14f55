// Vectra 0.15.0 itself, installed on demand in test/vectra/oracle (its own package and lock, so
// it never becomes a dependency of quiverdb): the reference that chunking, document results and
// importVectraIndex are compared with.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const oracleDir = fileURLToPath(new URL('../vectra/oracle/', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Vectra = any;

export function loadVectra(): Vectra {
  if (!existsSync(`${oracleDir}node_modules/vectra/package.json`)) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: oracleDir, stdio: 'inherit' });
  }
  const vectra = createRequire(`${oracleDir}package.json`)('vectra');
  const { version } = JSON.parse(readFileSync(`${oracleDir}node_modules/vectra/package.json`, 'utf8'));
  if (version !== '0.15.0') throw new Error(`test/vectra/oracle has vectra ${version}, expected 0.15.0`);
  return vectra;
}
