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
  // A write that meets BUSY (SQLite's lock still taken after its 5 s timeout) is retried, and
  // counted: the parent reports it (it should not happen with 12 small writers).
  const busy = [];
  const write = async (what, fn) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof QuiverError && err.code === 'BUSY') || attempt === 10) throw err;
        busy.push(what);
      }
    }
  };
  const half = Math.floor(items.length / 2);
  await write('batchInsertItems', () => index.batchInsertItems(items.slice(0, half)));
  for (const item of items.slice(half, half + 5)) await write('insertItem', () => index.insertItem(item));
  await write('batchInsertItems', () => index.batchInsertItems(items.slice(half + 5)));
  await barrier(barrierDir, name, Number(parties));
  const start = Date.now();
  await index.close();
  report('closed', { name, start, ms: Date.now() - start, busy });
} catch (err) {
  report('error', describeError(err, QuiverError));
  process.exit(1);
}
