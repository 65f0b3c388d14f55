// Regenerates the charts, the terminal summary and (with --readme) the README section from a
// results JSON, without re-running anything. Default: the newest file in bench/results/.
// Usage: node bench/report.mjs [bench/results/<timestamp>.json] [--readme]
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RESULTS_DIR, writeOutputs } from './lib/outputs.mjs';

async function newestResult() {
  const files = (await readdir(RESULTS_DIR)).filter((f) => /^\d{4}-.*\.json$/.test(f)).sort();
  if (!files.length) throw new Error(`no results in ${RESULTS_DIR}; run npm run bench first`);
  return join(RESULTS_DIR, files.at(-1));
}

try {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--readme');
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]} (known: --readme)`);
  const file = args.find((a) => !a.startsWith('--'));
  const path = file ? resolve(file) : await newestResult();
  const output = JSON.parse(await readFile(path, 'utf8'));
  await writeOutputs(output, { readme: args.includes('--readme'), json: false });
} catch (error) {
  console.error(`bench report: ${error.message}`);
  process.exitCode = 1;
}
