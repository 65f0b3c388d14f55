// The WASM figures: Quiver's WASM build against its native build and against hnswlib-wasm,
// on sift5k and the 100,000 x 128 generated datasets (whichever of them the run included).
// Insert rate is the insert calls alone (hnswlib-wasm has nothing to save in Node, so "ingest"
// would not compare like with like); QPS is at the first efSearch reaching the recall target.
const DATASETS = ['sift5k', 'clustered-100k', 'uniform-100k', 'clustered-10k', 'uniform-10k'];
const ENGINES = ['quiverdb', 'quiverdb-wasm', 'hnswlib-wasm'];

const ratio = (a, b) => (a && b ? a / b : null);

function figures(result, count) {
  if (!result?.summary) return null;
  const s = result.summary;
  return {
    insertRate: count / s.insertSeconds,
    qps: s.atTarget?.qps ?? null,
    efSearch: s.atTarget?.efSearch ?? null,
    recall: s.atTarget?.recall ?? null,
    bestRecall: s.bestRecall,
    openMs: s.openMs,
  };
}

export function wasmComparison(output) {
  const rows = [];
  for (const id of DATASETS) {
    const dataset = output.datasets.find((d) => d.id === id && d.engines);
    if (!dataset) continue;
    const byEngine = Object.fromEntries(
      ENGINES.map((e) => [
        e,
        figures(
          dataset.engines.find((r) => r.engine === e),
          dataset.count,
        ),
      ]),
    );
    const native = byEngine.quiverdb;
    const wasm = byEngine['quiverdb-wasm'];
    const peer = byEngine['hnswlib-wasm'];
    rows.push({
      dataset: id,
      ...byEngine,
      wasmVsNative: {
        insert: ratio(wasm?.insertRate, native?.insertRate),
        qps: ratio(wasm?.qps, native?.qps),
      },
      wasmVsHnswlibWasm: {
        insert: ratio(wasm?.insertRate, peer?.insertRate),
        qps: ratio(wasm?.qps, peer?.qps),
      },
    });
  }
  return { recallTarget: output.settings.recallTarget, size: output.wasmSize, rows };
}
