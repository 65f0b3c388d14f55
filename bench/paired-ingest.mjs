// `npm run bench -- --paired --ingest [--n=100000] [--dims=128] [--threads=2] [--batch=10000]`:
// durable ingest of Quiver against hnswlib-node's in-memory addPoint loop, alternated batch by
// batch in one process. The ingest bench (ingest.mjs) runs each engine once, one after another,
// each for tens of seconds; on a shared VM whose cores drift by tens of percent within minutes
// that reads the drift as a ratio (2.08x and 2.27x 25 minutes apart, with hnswlib-node alone at
// 3,096 and 2,479 items/s). Here batch k goes into both indexes (which one first alternates)
// before batch k+1, so both see the same drift and the same graph size; the figure is the ratio
// of the summed times, with the per-batch ratios beside it.
// Same data and parameters as ingest.mjs: clustered cosine, M=16, efConstruction=200; hnswlib-node
// gets each vector as a number[] (as ingest.mjs gives it), Quiver the packed form, insertItems with
// `threads`, every batch committed (WAL, synchronous=FULL) before its time stops. Recall is
// measured by ingest.mjs, not here.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCount, parseFlags } from './lib/args.mjs';
import { generateClustered } from './lib/datasets.mjs';
import { machineInfo } from './lib/machine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const HNSW = { M: 16, efConstruction: 200 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

export async function runPairedIngest(argv) {
  const flags = parseFlags(argv, ['paired', 'ingest', 'n', 'dims', 'threads', 'batch']);
  const n = parseCount(flags.n ?? '100000', 'n');
  const d = parseCount(flags.dims ?? '128', 'dims');
  const threads = parseCount(flags.threads ?? '2', 'threads');
  const batch = parseCount(flags.batch ?? '10000', 'batch');
  const data = generateClustered({ count: n, queryCount: 1, dimensions: d });

  const { HierarchicalNSW } = require('hnswlib-node');
  const peer = new HierarchicalNSW('cosine', d);
  peer.initIndex(n, HNSW.M, HNSW.efConstruction, 100);

  const { LocalIndex, nodeBackend } = await import(pathToFileURL(join(here, '..', 'dist', 'esm', 'index.js')).href);
  const folder = await mkdtemp(join(tmpdir(), 'quiver-paired-ingest-'));
  const index = new LocalIndex(folder, undefined, { backend: nodeBackend });
  await index.createIndex({ version: 1, dimensions: d, metric: 'cosine', hnsw: HNSW });
  const ids = Array.from({ length: n }, (_, i) => String(i));

  const peerMs = [];
  const quiverMs = [];
  const peerBatch = (start, end) => {
    const t0 = performance.now();
    for (let i = start; i < end; i++) peer.addPoint(Array.from(data.base.subarray(i * d, (i + 1) * d)), i);
    peerMs.push(performance.now() - t0);
  };
  const quiverBatch = async (start, end) => {
    const t0 = performance.now();
    await index.insertItems(
      { ids: ids.slice(start, end), vectors: data.base.subarray(start * d, end * d) },
      { batchSize: batch, threads },
    );
    quiverMs.push(performance.now() - t0);
  };
  for (let k = 0, start = 0; start < n; k++, start += batch) {
    const end = Math.min(n, start + batch);
    if (k % 2 === 0) {
      peerBatch(start, end);
      await quiverBatch(start, end);
    } else {
      await quiverBatch(start, end);
      peerBatch(start, end);
    }
  }
  await index.close();
  await rm(folder, { recursive: true, force: true });

  const ratios = peerMs.map((p, i) => p / quiverMs[i]);
  const m = machineInfo();
  console.log(`paired durable ingest, clustered ${n} x ${d} (cosine), M=16, efConstruction=200, batches of ${batch}; ` +
    `${m.cpu}, ${m.cores} cores, Node ${process.version}`);
  console.log(`  hnswlib-node (1 thread, memory) ${Math.round((n / sum(peerMs)) * 1000)} items/s, ` +
    `Quiver (threads ${threads}, durable) ${Math.round((n / sum(quiverMs)) * 1000)} items/s`);
  console.log(`  Quiver / hnswlib-node: ${(sum(peerMs) / sum(quiverMs)).toFixed(3)}x over the whole ingest, ` +
    `median batch ${median(ratios).toFixed(3)}x (batches: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
}
