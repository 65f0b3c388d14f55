// Child of concurrent-close.test.ts: opens the index, writes its items, waits for all the other
// processes at a barrier, then closes (saving the graph file) at the same moment as them.
//
// Usage: node closer.mjs <entry URL> <folder> <barrier dir> <name> <parties> <items> <seed> <dims>
// Prints "closed".

import { barrier, describeError, makeRng, randomVector, report } from './common.mjs';

const [entry, folder, barrierDir, name, parties, count, seed, dims] = process.argv.slice(2);
const { LocalIndex, QuiverError } = await import(entry);
const rng = makeRng(Number(seed));
const index = new LocalIndex(folder);
try {
  const items = Array.from({ length: Number(count) }, (_, i) => ({
    id: `${name}-${i}`,
    vector: randomVector(rng, Number(dims)),
    metadata: { who: name, i },
  }));
  const half = Math.floor(items.length / 2);
  await index.batchInsertItems(items.slice(0, half));
  for (const item of items.slice(half, half + 5)) await index.insertItem(item);
  await index.batchInsertItems(items.slice(half + 5));
  await barrier(barrierDir, name, Number(parties));
  const start = Date.now();
  await index.close();
  report('closed', { name, start, ms: Date.now() - start });
} catch (err) {
  report('error', describeError(err, QuiverError));
  process.exit(1);
}
