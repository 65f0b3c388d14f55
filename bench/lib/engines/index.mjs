// Every engine the suite compares, in report order. An adapter is a plain object:
//   id, label, kind ('hnsw' | 'brute'), metrics, threads, persists   descriptive fields
//   load() -> api                                  imports the library (timed separately)
//   prepareItems(api, dataset), prepareQueries(api, dataset, limit)
//                                                  inputs in the type the API takes, untimed
//   create(api, settings) -> { insert(items, onProgress), persist(), close(), searcher?() }
//   open(api, settings) -> { setEf(ef), search(query, k) -> ids, close() }, or open: null when
//                                                  the engine cannot persist (searcher() then)
//   concurrency: { mode, how }                     how "8 queries in flight" runs (lib/in-flight.mjs):
//                                                  'async' (8 promises outstanding), 'sync' (the call
//                                                  returns only when done, so they run one after
//                                                  another) or 'batch' (searchBatch(queries, k) ->
//                                                  ids[] per call of 8); `how` says it in words
// A searcher may also have (optional):
//   searchBatch(queries, k) -> ids[]               for concurrency mode 'batch'
//   itemKey(row) -> key, getItem(key) -> row|-1    lookup by id (lib/lookups.mjs): resolves to the
//                                                  row number the item found carries, -1 if none
//   openReport() -> text                           what opening did (Quiver: graph file loaded or
//                                                  rebuilt); a rebuild is reported as a problem
// settings: { folder, dimensions, metric, count, hnsw: { M, efConstruction }, batchSize }.
import { hnswlibNode } from './hnswlib-node.mjs';
import { hnswlibWasm } from './hnswlib-wasm.mjs';
import { lancedb } from './lancedb.mjs';
import { quiverNative, quiverWasm } from './quiverdb.mjs';
import { sqliteVec } from './sqlite-vec.mjs';
import { usearch } from './usearch.mjs';
import { vectra } from './vectra.mjs';

export const ENGINES = [
  quiverNative,
  quiverWasm,
  hnswlibNode,
  hnswlibWasm,
  usearch,
  lancedb,
  vectra,
  sqliteVec,
];

export function engineById(id) {
  const engine = ENGINES.find((e) => e.id === id);
  if (!engine)
    throw new Error(`unknown engine ${id} (known: ${ENGINES.map((e) => e.id).join(', ')})`);
  return engine;
}
