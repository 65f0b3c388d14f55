// Everything a run leaves behind, from its result object:
//   bench/results/<timestamp>.json             all figures, every repeat, machine, settings
//   bench/results/<timestamp>/*.svg, index.html  recall-vs-QPS per dataset, ingest rate
//   the terminal summary, and (with --readme) README.md's generated section.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestChart } from './charts/ingest-bars.mjs';
import { chartsPage } from './charts/page.mjs';
import { recallQpsChart } from './charts/recall-qps.mjs';
import { datasetTitle } from './format.mjs';
import { readmeSection } from './markdown.mjs';
import { replaceReadmeSection } from './readme.mjs';
import { textReport } from './text-report.mjs';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

const stampOf = (output) => output.date.replace(/[:.]/g, '-');

/** Writes the charts of a result into bench/results/<stamp>/; returns the folder. */
export async function writeCharts(output) {
  const labels = Object.fromEntries(output.engines.map((e) => [e.id, e.label]));
  const folder = join(RESULTS_DIR, stampOf(output));
  await mkdir(folder, { recursive: true });
  const charts = [];
  for (const dataset of output.datasets.filter((d) => d.engines)) {
    const svg = recallQpsChart(dataset, output, labels);
    if (!svg) continue;
    const file = `recall-qps-${dataset.id}.svg`;
    await writeFile(join(folder, file), svg);
    charts.push({ file, title: `${datasetTitle(dataset)}: recall@10 vs QPS` });
  }
  const ingest = ingestChart(output, labels);
  if (ingest) {
    await writeFile(join(folder, 'ingest.svg'), ingest);
    charts.push({ file: 'ingest.svg', title: 'Ingest rate' });
  }
  await writeFile(
    join(folder, 'index.html'),
    chartsPage(output, charts, `${stampOf(output)}.json`),
  );
  return folder;
}

export async function writeOutputs(
  output,
  { readme = false, log = console.log, json = true } = {},
) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const jsonName = `${stampOf(output)}.json`;
  if (json) await writeFile(join(RESULTS_DIR, jsonName), JSON.stringify(output, null, 2));
  const folder = await writeCharts(output);
  log(`\n${textReport(output)}`);
  log(`\nresults: ${join(RESULTS_DIR, jsonName)}\ncharts:  ${join(folder, 'index.html')}`);
  if (readme) {
    await replaceReadmeSection(readmeSection(output, jsonName));
    log('README.md performance section updated');
  }
}
