#!/usr/bin/env node
// `npm run docs`: the API reference (docs/api/index.html) from the TypeScript sources of the entry
// points, with TypeDoc. Configured in typedoc.json: warnings are errors, and every exported
// declaration must have a doc comment, so `npm test` fails on an undocumented public method.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const typedoc = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc');
try {
  execFileSync(process.execPath, [typedoc, '--options', join(root, 'typedoc.json')], { stdio: 'inherit', cwd: root });
} catch {
  console.error('docs: TypeDoc reported warnings or errors (see above)');
  process.exit(1);
}
