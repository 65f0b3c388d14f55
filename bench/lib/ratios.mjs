// Quiver against its peers, per dataset, as ratios of figures measured in the same run: the
// figures issue 8 sets aims for (aims.mjs). Built from a results JSON, so report.mjs can
// recompute them from any saved run. A ratio is null when either side is missing (engine not
// run, or the recall target not reached).

const ratio = (a, b) => (a && b ? a / b : null);

function summaryOf(dataset, engine) {
  return dataset.engines.find((r) => r.engine === engine)?.summary ?? null;
}

const singleQps = (s) => s?.atTarget?.qps ?? null;
const inFlightQps = (s) => s?.inFlightAtTarget?.qps ?? null;

/** The figures of one dataset that the ratio table and the aims read. */
function datasetRatios(dataset) {
  const quiver = summaryOf(dataset, 'quiverdb');
  const wasm = summaryOf(dataset, 'quiverdb-wasm');
  const hnswlib = summaryOf(dataset, 'hnswlib-node');
  const hnswlibWasm = summaryOf(dataset, 'hnswlib-wasm');
  const usearch = summaryOf(dataset, 'usearch');
  return {
    id: dataset.id,
    dataset,
    single: {
      vsHnswlibNode: ratio(singleQps(quiver), singleQps(hnswlib)),
      vsUsearch: ratio(singleQps(quiver), singleQps(usearch)),
    },
    inFlight: {
      vsHnswlibNode: ratio(inFlightQps(quiver), inFlightQps(hnswlib)),
      vsUsearch: ratio(inFlightQps(quiver), inFlightQps(usearch)),
      // Quiver's own gain from 8 in flight over one at a time (the second core's worth).
      overSingle: ratio(inFlightQps(quiver), singleQps(quiver)),
    },
    wasm: { vsHnswlibWasm: ratio(singleQps(wasm), singleQps(hnswlibWasm)) },
    getItem: quiver?.lookups ?? null,
    reopenMs: {
      quiver: quiver?.openMs ?? null,
      hnswlibNode: hnswlib?.openMs ?? null,
      usearch: usearch?.openMs ?? null,
    },
    perItem: quiver?.perItem ?? null,
  };
}

/** One entry per dataset of the run that was not skipped, in run order. */
export function ratioRows(output) {
  return output.datasets.filter((d) => d.engines).map(datasetRatios);
}
