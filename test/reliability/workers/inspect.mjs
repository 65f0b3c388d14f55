// Opens an index the way the next user would and reports what it finds: every item, whether a
// query by each item's own vector finds it, a query with a very large efSearch (which walks the
// whole graph), and then verify(). Queries run before verify() because verify() rebuilds a graph
// that disagrees with the database, which would hide a damaged graph file.
//
// Usage: node inspect.mjs <entry URL> <folder>
// Prints "inspect {...}" (items as {id, v, m}), or exits with an error.

import { describeError, encodeVector, report } from './common.mjs';

const [entry, folder] = process.argv.slice(2);
const { LocalIndex, QuiverError } = await import(entry);

const index = new LocalIndex(folder);
try {
  const stats = await index.getIndexStats();
  const items = await index.listItems();
  const notFound = []; // not in the top 10 of a query by its own vector
  const notFoundWideEf = []; // not even with efSearch 2000
  for (const item of items) {
    const hits = await index.queryItems(item.vector, 10);
    if (hits.some((h) => h.item.id === item.id)) continue;
    notFound.push(item.id);
    const wide = await index.query(item.vector, { topK: 10, efSearch: 2000 });
    if (!wide.some((h) => h.item.id === item.id)) notFoundWideEf.push(item.id);
  }
  let largeEfHits = 0;
  for (const item of items.slice(0, 5)) {
    largeEfHits += (await index.query(item.vector, { topK: 100, efSearch: 100000 })).length;
  }
  const verify = JSON.parse(await index.verify());
  await index.close();
  report('inspect', {
    stats: { items: stats.items },
    items: items.map((it) => ({ id: it.id, v: encodeVector(it.vector), m: it.metadata })),
    notFound,
    notFoundWideEf,
    largeEfHits,
    verify,
  });
} catch (err) {
  report('failed', describeError(err, QuiverError));
  process.exit(1);
}
