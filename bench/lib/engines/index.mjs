// Every engine the suite compares, in report order. An adapter is a plain object:
//   id, label, kind ('hnsw' | 'brute'), metrics, threads, persists   descriptive fields
//   load() -> api                                  imports the library (timed separately)
//   prepareItems(api, dataset), prepareQueries(api, dataset, limit)
//                                                  inputs in the type the API takes, untimed
//   create(api, settings) -> { insert(items, onProgress), persist(), close(), searcher?() }
//   open(api, settings) -> { setEf(ef), search(query, k) -> ids, close() }, or open: null when
//                                                  the engine cannot persist (searcher() then)
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
