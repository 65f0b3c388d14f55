// `npm run bench -- --quantization` (or `node bench/quantization.mjs`): Quiver's quantized
// graphs (f16, i8; with and without rescoring; and "-ids": includeVectors false, what USearch
// returns) against USearch's f16 and i8 (and both at f32)
// on clustered 100k x 128 and 100k x 384 (cosine, M=16, efConstruction=200, top-10): recall@10
// and single-client QPS over an efSearch sweep, QPS at the smallest ef reaching recall 0.95,
// build time, resident memory and disk per item. Plus the memory per item each quantization
// costs at 128/384/768/1536 dims, *computed* from the graph layout (hnswlib 0.8's level-0 block,
// expected upper levels, per-element bookkeeping), next to the measured figures at 128/384.
//
// Each (engine, quantization) is built in its own child process (`--child`), so RSS is its own;
// then one `--serve` child opens them all and measures QPS in interleaved rounds (best of 3).
// Flags: --datasets=clustered-100k,clustered-100k-d384  --count=N  --queries=N  --ef=a,b,c
//        --configs=quiver-f16,usearch-i8,...  --out=file.json
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClustered, row } from './lib/datasets.mjs';
import { folderBytes } from './lib/disk.mjs';
import { groundTruth } from './lib/ground-truth.mjs';
import { settledRssMiB } from './lib/memory.mjs';

const HNSW = { M: 16, efConstruction: 200 };
const K = 10;
const RECALL_TARGET = 0.95;
const DEFAULT_EF = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256];
const DATASETS = {
  'clustered-100k': { count: 100_000, dimensions: 128 },
  'clustered-100k-d384': { count: 100_000, dimensions: 384 },
};
const CONFIGS = {
  'quiver-f32': { engine: 'quiver', quantization: 'f32', rescore: false },
  'quiver-f16': { engine: 'quiver', quantization: 'f16', rescore: false },
  'quiver-f16-rescore': { engine: 'quiver', quantization: 'f16', rescore: true },
  'quiver-i8': { engine: 'quiver', quantization: 'i8', rescore: false },
  'quiver-i8-rescore': { engine: 'quiver', quantization: 'i8', rescore: true },
  // includeVectors: false: hits as USearch returns them (ids and the graph's own distances); a
  // quantized index then reads no SQLite row (see README "Quantization").
  'quiver-f32-ids': { engine: 'quiver', quantization: 'f32', rescore: false, includeVectors: false },
  'quiver-f16-ids': { engine: 'quiver', quantization: 'f16', rescore: false, includeVectors: false },
  'quiver-i8-ids': { engine: 'quiver', quantization: 'i8', rescore: false, includeVectors: false },
  'usearch-f32': { engine: 'usearch', quantization: 'f32' },
  'usearch-f16': { engine: 'usearch', quantization: 'f16' },
  'usearch-i8': { engine: 'usearch', quantization: 'i8' },
};

function flags(argv) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]] = m[2] ?? true;
  }
  return out;
}

function datasetOf(id, count, queryCount) {
  const shape = DATASETS[id];
  if (!shape) throw new Error(`unknown dataset ${id} (known: ${Object.keys(DATASETS).join(', ')})`);
  return generateClustered({ count: count ?? shape.count, queryCount, dimensions: shape.dimensions });
}

// ---- child: one configuration on one dataset ----

/** The ids of the top K, as a Quiver config queries (its rescore and includeVectors). */
async function quiverIds(index, vector, efSearch, { rescore, includeVectors = true }) {
  return (await index.query(vector, { topK: K, efSearch, rescore, includeVectors })).map((h) => Number(h.item.id));
}

async function quiverEngine(folder, dims, config) {
  const { quantization } = config;
  const { LocalIndex, nodeBackend } = await import('quiverdb');
  let index = new LocalIndex(join(folder, 'index'), undefined, { backend: nodeBackend });
  await index.createIndex({ version: 1, dimensions: dims, metric: 'cosine', hnsw: HNSW, quantization });
  let efSearch = 64;
  return {
    insert: async (dataset) => {
      const items = Array.from({ length: dataset.count }, (_, i) => ({
        id: String(i),
        vector: row(dataset.base, dims, i),
      }));
      await index.insertItems(items, { batchSize: 10_000 });
    },
    reopen: async () => {
      await index.close();
      index = new LocalIndex(join(folder, 'index'), undefined, { backend: nodeBackend });
      await index.getIndexStats();
    },
    setEf: async (ef) => {
      efSearch = ef;
    },
    search: (vector) => quiverIds(index, vector, efSearch, config),
    close: () => index.close(),
  };
}

async function openQuiver(folder, dims, config) {
  const { LocalIndex, nodeBackend } = await import('quiverdb');
  const index = new LocalIndex(join(folder, 'index'), undefined, { backend: nodeBackend });
  await index.getIndexStats();
  let efSearch = 64;
  return {
    setEf: async (ef) => {
      efSearch = ef;
    },
    search: (vector) => quiverIds(index, vector, efSearch, config),
    close: () => index.close(),
  };
}

async function openUsearch(folder, dims, { quantization }) {
  const { default: api } = await import('usearch');
  const kinds = { f32: api.ScalarKind.F32, f16: api.ScalarKind.F16, i8: api.ScalarKind.I8 };
  let index;
  return {
    setEf: async (ef) => {
      index = new api.Index({
        dimensions: dims,
        metric: api.MetricKind.Cos,
        quantization: kinds[quantization],
        connectivity: HNSW.M,
        expansion_add: HNSW.efConstruction,
        expansion_search: ef,
      });
      index.load(join(folder, 'usearch.bin'));
    },
    search: async (vector) => Array.from(index.search(vector, K).keys, Number),
    close: async () => {},
  };
}

async function usearchEngine(folder, dims, { quantization }) {
  const { default: api } = await import('usearch');
  const kinds = { f32: api.ScalarKind.F32, f16: api.ScalarKind.F16, i8: api.ScalarKind.I8 };
  const file = join(folder, 'usearch.bin');
  const make = (ef) =>
    new api.Index({
      dimensions: dims,
      metric: api.MetricKind.Cos,
      quantization: kinds[quantization],
      connectivity: HNSW.M,
      expansion_add: HNSW.efConstruction,
      expansion_search: ef,
    });
  let index = make(64);
  return {
    insert: async (dataset) => {
      const keys = new BigUint64Array(dataset.count);
      for (let i = 0; i < dataset.count; i++) keys[i] = BigInt(i);
      index.add(keys, dataset.base); // all cores
    },
    // USearch keeps nothing on disk until save(); its ef is fixed at construction, so each ef
    // loads the saved file into a new Index (untimed).
    reopen: async () => {
      index.save(file);
      index = make(64);
      index.load(file);
    },
    setEf: async (ef) => {
      index = make(ef);
      index.load(file);
    },
    search: async (vector) => Array.from(index.search(vector, K).keys, Number),
    close: async () => {},
  };
}

async function child(task) {
  const dataset = datasetOf(task.dataset, task.count, task.queries);
  const dims = dataset.dimensions;
  const folder = await mkdtemp(join(tmpdir(), `quiver-qbench-${task.config}-`));
  const config = CONFIGS[task.config];
  try {
    await import(config.engine === 'quiver' ? 'quiverdb' : 'usearch'); // module memory is not the index's
    const rssBefore = settledRssMiB();
    const engine = await (config.engine === 'quiver' ? quiverEngine : usearchEngine)(folder, dims, config);
    const started = performance.now();
    await engine.insert(dataset);
    const buildSeconds = (performance.now() - started) / 1000;
    await engine.reopen(); // Quiver: graph file written at close, then loaded; USearch: saved
    const rssAfter = settledRssMiB();
    const diskBytes = await folderBytes(folder);
    await engine.close();
    return {
      config: task.config,
      dataset: task.dataset,
      folder,
      buildSeconds,
      rssPerItem: ((rssAfter - rssBefore) * 2 ** 20) / dataset.count,
      diskPerItem: diskBytes / dataset.count,
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The serving phase, in one process for every configuration of a dataset: for each ef, ROUNDS
 * rounds, each running every configuration's queries in turn (interleaved, so a load change on
 * this shared machine hits all of them alike); QPS is each one's best round, recall its last.
 */
const ROUNDS = 3;
async function serve(task) {
  const dataset = datasetOf(task.dataset, task.count, task.queries);
  const dims = dataset.dimensions;
  const queries = Array.from({ length: dataset.queryCount }, (_, i) => row(dataset.queries, dims, i));
  const engines = [];
  for (const { config, folder } of task.built) {
    const c = CONFIGS[config];
    const engine = await (c.engine === 'quiver' ? openQuiver : openUsearch)(folder, dims, c);
    engines.push({ config, engine, sweep: [] });
  }
  for (const ef of task.ef) {
    const best = new Map();
    const recall = new Map();
    for (const e of engines) {
      await e.engine.setEf(ef);
      for (let i = 0; i < Math.min(50, queries.length); i++) await e.engine.search(queries[i]); // warm
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const e of engines) {
        const results = [];
        const t0 = performance.now();
        for (const q of queries) results.push(await e.engine.search(q));
        const qps = queries.length / ((performance.now() - t0) / 1000);
        best.set(e.config, Math.max(best.get(e.config) ?? 0, qps));
        let found = 0;
        results.forEach((ids, qi) => {
          const expected = new Set(task.truth.slice(qi * K, (qi + 1) * K));
          for (const id of ids.slice(0, K)) found += expected.has(id) ? 1 : 0;
        });
        recall.set(e.config, found / (K * queries.length));
      }
    }
    for (const e of engines) e.sweep.push({ ef, recall: recall.get(e.config), qps: best.get(e.config) });
  }
  for (const e of engines) await e.engine.close();
  return Object.fromEntries(engines.map((e) => [e.config, e.sweep]));
}

// ---- parent ----

function runChild(task, mode = '--child') {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${task.config ?? 'serve'} on ${task.dataset} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
    p.stdin.end(JSON.stringify(task));
  });
}

/** The point at the smallest ef whose recall reaches `recall` (null if none does). */
function atTarget(sweep, recall = RECALL_TARGET) {
  return sweep.find((s) => s.recall >= recall) ?? null;
}

/**
 * Quiver's QPS over its USearch peer's at equal recall: at 0.95, or at the highest recall both
 * reach when one of them stays below it (USearch's i8 under cosine does on clustered data).
 */
function equalRecallRatio(own, peer) {
  const reach = (sweep) => Math.max(...sweep.map((s) => s.recall));
  const recall = Math.min(RECALL_TARGET, reach(own), reach(peer));
  const a = atTarget(own, recall), b = atTarget(peer, recall);
  return a && b ? { recall, ratio: a.qps / b.qps } : null;
}

/**
 * Memory per item of the graph, computed (bytes): hnswlib 0.8 keeps per element a level-0 record
 * (link count + 2M links of 4 bytes, the stored vector, an 8-byte label), on average 1/(M-1)
 * upper-level link lists (4 + 4M bytes each, plus an 8-byte pointer for every element), a level
 * int, a per-element mutex (40 bytes on glibc) and a label-lookup hash entry (~32 bytes).
 * The stored vector: dims x 4 (f32), 2 (f16) or 1 (i8) bytes, + 4 (the inverse norm, cosine).
 */
function graphBytesPerItem(dims, quantization, M = HNSW.M) {
  const component = { f32: 4, f16: 2, i8: 1 }[quantization];
  const level0 = 4 + 2 * M * 4 + dims * component + 4 + 8;
  const upper = (4 + 4 * M) / (M - 1) + 8;
  return level0 + upper + 4 + 40 + 32;
}

async function parent(f) {
  const datasetIds = String(f.datasets ?? Object.keys(DATASETS).join(',')).split(',');
  const configIds = String(f.configs ?? Object.keys(CONFIGS).join(',')).split(',');
  const queries = Number(f.queries ?? 1000);
  const count = f.count ? Number(f.count) : undefined;
  const ef = f.ef ? String(f.ef).split(',').map(Number) : DEFAULT_EF;
  const report = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg()[0] },
    settings: { ...HNSW, k: K, metric: 'cosine', queries, ef },
    results: [],
  };
  console.error(`load average at start: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  for (const id of datasetIds) {
    const dataset = datasetOf(id, count, queries);
    const truth = await groundTruth(dataset, 'cosine', K, { log: (m) => console.error(m) });
    const built = [];
    try {
      for (const config of configIds) {
        if (!CONFIGS[config]) throw new Error(`unknown config ${config} (known: ${Object.keys(CONFIGS).join(', ')})`);
        console.error(`${id}: building ${config} ...`);
        const r = await runChild({ dataset: id, count, queries, config });
        built.push(r);
        console.error(
          `  build ${r.buildSeconds.toFixed(1)} s, RSS ${r.rssPerItem.toFixed(0)} B/item, disk ${r.diskPerItem.toFixed(0)} B/item`,
        );
      }
      console.error(`${id}: serving (${ROUNDS} interleaved rounds per ef) ...`);
      const sweeps = await runChild(
        { dataset: id, count, queries, ef, truth: Array.from(truth.ids), built: built.map((b) => ({ config: b.config, folder: b.folder })) },
        '--serve',
      );
      for (const r of built) {
        const { folder, ...figures } = r;
        const result = { ...figures, sweep: sweeps[r.config] };
        report.results.push(result);
        const t = atTarget(result.sweep);
        console.error(
          `  ${r.config}: ` +
            (t ? `QPS@${RECALL_TARGET} ${t.qps.toFixed(0)} (ef ${t.ef}, recall ${t.recall.toFixed(3)})` : 'recall target not reached') +
            `; recall by ef ${result.sweep.map((s) => s.recall.toFixed(3)).join(' ')}`,
        );
      }
    } finally {
      for (const b of built) await rm(b.folder, { recursive: true, force: true });
    }
  }
  report.computed = [128, 384, 768, 1536].map((dims) => ({
    dims,
    ...Object.fromEntries(['f32', 'f16', 'i8'].map((q) => [q, Math.round(graphBytesPerItem(dims, q))])),
  }));
  console.log(markdown(report));
  if (f.out) await writeFile(String(f.out), JSON.stringify(report, null, 2));
}

function markdown(report) {
  const lines = [];
  for (const dataset of [...new Set(report.results.map((r) => r.dataset))]) {
    lines.push(`\n**${dataset}** (cosine, top-${K}, ${report.settings.queries} queries, single client)\n`);
    lines.push('| engine | recall@10 at ef 64 | max recall | QPS @ recall ≥ 0.95 (ef) | QPS vs USearch same kind, equal recall | build s | RSS B/item | disk B/item |');
    lines.push('|---|---|---|---|---|---|---|---|');
    const rows = report.results.filter((r) => r.dataset === dataset);
    for (const r of rows) {
      const t = atTarget(r.sweep);
      const kind = CONFIGS[r.config].quantization;
      const peer = rows.find((p) => p.config === `usearch-${kind}`);
      const eq = r.config.startsWith('quiver') && peer ? equalRecallRatio(r.sweep, peer.sweep) : null;
      const ratio = eq ? `${eq.ratio.toFixed(2)}× (at ${eq.recall.toFixed(3)})` : '';
      const at64 = r.sweep.find((s) => s.ef === 64);
      lines.push(
        `| ${r.config} | ${at64 ? at64.recall.toFixed(3) : '–'} | ${Math.max(...r.sweep.map((s) => s.recall)).toFixed(3)} | ` +
          `${t ? `${t.qps.toFixed(0)} (${t.ef})` : 'not reached'} | ${ratio} | ${r.buildSeconds.toFixed(1)} | ` +
          `${r.rssPerItem.toFixed(0)} | ${r.diskPerItem.toFixed(0)} |`,
      );
    }
  }
  lines.push('\nGraph memory per item, computed (bytes; M=16, cosine):\n');
  lines.push('| dims | f32 | f16 | i8 |');
  lines.push('|---|---|---|---|');
  for (const c of report.computed) lines.push(`| ${c.dims} | ${c.f32} | ${c.f16} | ${c.i8} |`);
  return lines.join('\n');
}

const f = flags(process.argv.slice(2));
if (f.child || f.serve) {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const result = await (f.child ? child : serve)(JSON.parse(input));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await parent(f);
}
