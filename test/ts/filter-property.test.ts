// Property test of filters: random metadata and random filters from a grammar (every operator,
// dotted paths, array positions, arrays of scalars, of arrays and of objects, null and absent
// fields, $and/$or/$nor/$not), checked against the TypeScript oracle (filter-oracle.ts):
// - listItemsByMetadata and countItems return exactly the oracle's matching set;
// - filtered queries (every plan the planner picks, over a range of selectivities) return only
//   matching items, and recall@10 against the exact filtered top 10 is at least 0.95.
// Seeded: a failure names the seed and the filter, and replays.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import type { MetadataFilter } from '../../ts/src/types.js';
import { type AnyMetadata, backends, createLocalIndex } from './backends.js';
import { type Json, oracleMatches } from './filter-oracle.js';
import { useTempIndexes } from './helpers.js';

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Grammar {
  constructor(private readonly random: () => number) {}
  pick(n: number): number {
    return Math.floor(this.random() * n);
  }
  scalar(): Json {
    switch (this.pick(8)) {
      case 0: return null;
      case 1: return this.pick(2) === 0;
      case 2: return this.pick(5);
      case 3: return this.pick(5) + 0.5;
      case 4: return -this.pick(3);
      case 5: return String(this.pick(3)); // number-like string
      default: return 'abcd'[this.pick(4)];
    }
  }
  value(depth: number): Json {
    const kind = depth > 2 ? 0 : this.pick(10);
    if (kind < 6) return this.scalar();
    if (kind < 8) return Array.from({ length: this.pick(4) }, () => this.value(depth + 1));
    const o: Record<string, Json> = {};
    for (let i = this.pick(3); i > 0; i--) o[this.field()] = this.value(depth + 1);
    return o;
  }
  field(): string {
    return 'abc'[this.pick(3)];
  }
  doc(): Record<string, Json> {
    const d: Record<string, Json> = {};
    for (let i = this.pick(4); i > 0; i--) d[this.field()] = this.value(0);
    return d;
  }
  path(): string {
    let p = this.field();
    while (this.pick(3) === 0) p += '.' + (this.pick(3) === 0 ? String(this.pick(2)) : this.field());
    return p;
  }
  literal(): Json {
    return this.pick(6) === 0 ? this.value(1) : this.scalar();
  }
  ops(depth: number): Record<string, Json> {
    const names = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$not'];
    const o: Record<string, Json> = {};
    for (let i = 1 + this.pick(2); i > 0; i--) {
      const op = names[this.pick(depth > 1 ? 9 : 10)];
      if (op === '$in' || op === '$nin') o[op] = Array.from({ length: this.pick(4) }, () => this.literal());
      else if (op === '$exists') o[op] = this.pick(2) === 0;
      else if (op === '$not') o[op] = this.ops(depth + 1);
      else if (op.startsWith('$g') || op.startsWith('$l')) o[op] = this.pick(5) === 0 ? 'b' : this.pick(6) - 1 + (this.pick(2) ? 0.5 : 0);
      else o[op] = this.literal();
    }
    return o;
  }
  filter(depth = 0): Record<string, Json> {
    const kind = depth > 2 ? 0 : this.pick(8);
    if (kind < 5) {
      const f: Record<string, Json> = { [this.path()]: this.pick(3) === 0 ? this.literal() : this.ops(1) };
      if (this.pick(4) === 0) f[this.path()] = this.ops(1);
      return f;
    }
    const logic = ['$and', '$or', '$nor'][kind - 5];
    return { [logic]: Array.from({ length: this.pick(4) }, () => this.filter(depth + 1)) };
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

// The property test runs on the native and the WASM core (the browser path shares the WASM core).
describe.each(backends.slice(0, 2))('filters against the oracle on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  test('listItemsByMetadata and countItems return exactly the oracle\'s matches', async () => {
    const seed = 20261202;
    const g = new Grammar(rng(seed));
    const index = temp.track(createLocalIndex(backend, temp.path('list')));
    await index.createIndex({ version: 1, dimensions: 2 });
    const docs = Array.from({ length: 250 }, () => g.doc());
    await index.batchInsertItems(docs.map((metadata, i) => ({ id: String(i), vector: [1, i + 1], metadata })));
    // Writes after the columns exist: updates and deletions must be followed.
    await index.listItemsByMetadata({ a: 1, b: 1, c: 1, 'a.b': 1, 'a.0': 1 });
    for (let i = 0; i < 250; i += 5) {
      docs[i] = g.doc();
      await index.upsertItem({ id: String(i), vector: [1, i + 1], metadata: docs[i] as AnyMetadata });
    }
    await index.deleteItems(['1', '2', '3']);
    const live = docs.map((_, i) => i).filter((i) => i < 1 || i > 3);
    let matched = 0;
    for (let f = 0; f < 400; f++) {
      const filter = g.filter();
      const expected = live.filter((i) => oracleMatches(docs[i], filter)).map(String);
      const got = (await index.listItemsByMetadata(filter as MetadataFilter)).map((item) => item.id);
      expect(got, `seed ${seed}, filter ${JSON.stringify(filter)}`).toEqual(expected);
      expect(await index.countItems(filter as MetadataFilter)).toBe(expected.length);
      matched += expected.length;
    }
    expect(matched).toBeGreaterThan(400 * 250 * 0.05); // the grammar's filters do match things
  });

  test('filtered queries: only matches, recall@10 >= 0.95 against the exact filtered top 10', async () => {
    const seed = 77;
    const random = rng(seed);
    const dims = 16;
    const n = 3000;
    const centers = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, () => random() * 2 - 1));
    const vector = () => {
      const c = centers[Math.floor(random() * centers.length)];
      return Float32Array.from(c, (x) => x + (random() - 0.5) * 0.5);
    };
    const vectors = Array.from({ length: n }, vector);
    const docs = vectors.map((_, i) => ({
      r: Math.floor(random() * 1000),
      tag: 'abcdefghij'[Math.floor(random() * 10)],
      tags: ['abcdefghij'[i % 10], 'abcdefghij'[(i * 7) % 10]],
      nested: { level: i % 4 },
    }));
    const index = temp.track(createLocalIndex(backend, temp.path('query')));
    await index.createIndex({ version: 1, dimensions: dims, metadata_config: { indexed: ['r'] } });
    await index.insertItems(vectors.map((v, i) => ({ id: String(i), vector: Array.from(v), metadata: docs[i] })));
    const filters: Record<string, Json>[] = [
      { r: { $gte: 0 } }, // everything: graph walk with the filter inside
      { r: { $lt: 500 } }, // ~50%
      { r: { $lt: 100 } }, // ~10%
      { r: { $lt: 10 } }, // ~1%: exact scan
      { r: 7 }, // a handful: fewer than topK sometimes
      { tag: { $in: ['a', 'b', 'c'] }, r: { $gte: 200 } },
      { $or: [{ tags: 'a' }, { 'nested.level': 3 }] },
      { r: { $ne: 3 } }, // no index bound: sampled
      { tag: { $nin: ['a'] }, 'nested.level': { $exists: true } },
      { $nor: [{ tag: 'a' }, { r: { $gt: 100 } }] },
    ];
    let found = 0;
    let wanted = 0;
    for (const filter of filters) {
      const matches = docs.map((_, i) => i).filter((i) => oracleMatches(docs[i] as Json, filter));
      for (let q = 0; q < 15; q++) {
        const query = vector();
        const truth = matches
          .map((i) => ({ i, s: cosine(query, vectors[i]) }))
          .sort((a, b) => b.s - a.s)
          .slice(0, 10)
          .map((x) => String(x.i));
        const hits = await index.queryItems(Array.from(query), 10, filter as MetadataFilter);
        for (const hit of hits) {
          expect(oracleMatches(hit.item.metadata as Json, filter), `hit ${hit.item.id} of ${JSON.stringify(filter)}`).toBe(true);
        }
        expect(hits.length).toBe(Math.min(10, matches.length));
        found += hits.filter((hit) => truth.includes(hit.item.id)).length;
        wanted += truth.length;
      }
    }
    expect(found / wanted).toBeGreaterThanOrEqual(0.95);
  });
});
