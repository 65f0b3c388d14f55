// Run inside the consumer project by install.test.ts: uses the installed quiverdb package like an
// application would, and prints the answers of a few queries as JSON for comparison.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalIndex } from 'quiverdb';

// Deterministic data: a small LCG, so every run (and every backend) sees the same vectors.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const vec = (dims) => Array.from({ length: dims }, rand);

const folder = mkdtempSync(join(tmpdir(), 'quiver-consumer-'));
try {
  const index = new LocalIndex(folder);
  await index.createIndex({ dimensions: 16, metric: 'cosine' });
  const items = Array.from({ length: 300 }, (_, i) => ({
    id: `item-${i}`,
    vector: vec(16),
    metadata: { group: i % 3 === 0 ? 'a' : 'b', rank: i },
  }));
  await index.insertItems(items);
  const answers = [];
  for (let q = 0; q < 5; q++) {
    const query = vec(16);
    const all = await index.queryItems(query, 5);
    const filtered = await index.queryItems(query, 5, { group: 'a', rank: { $lt: 200 } });
    answers.push({
      all: all.map((r) => [r.item.id, r.score]),
      filtered: filtered.map((r) => [r.item.id, r.score]),
    });
  }
  const stats = await index.getIndexStats();
  await index.close();
  process.stdout.write(JSON.stringify({ items: stats.items, answers }));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
