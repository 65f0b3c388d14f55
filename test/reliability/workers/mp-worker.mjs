// Child of multiprocess.test.ts: one of several writer and reader processes on one index.
// A writer publishes each of its writes in <markers>/w<k>.jsonl once the write's Promise resolved
// ({t:'put', b, items}, {t:'del', id}; a delete is announced first with {t:'del-intent', id}).
// Every process (writers and readers) keeps reading the other writers' files, and right after it
// learns of a resolved write, its next calls must see it: getItem returns it intact, a query by
// its vector finds it, a metadata filter lists it (and a deleted item is gone from all three).
//
// Usage: node mp-worker.mjs <entry URL> <folder> <markers dir> <writer|reader> <k> <writers>
//        <processes> <duration ms> <seed> <dims>
// The duration starts once all <processes> have opened the index (a barrier in <markers>/ready).
// Prints "summary {...}" at the end.

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import {
  JsonLog,
  barrier,
  decodeVector,
  describeError,
  encodeVector,
  itemDifference,
  makeRng,
  randomVector,
  report,
  sleep,
} from './common.mjs';

const [entry, folder, markers, role, kText, writersText, processesText, durationText, seedText, dimsText] =
  process.argv.slice(2);
const { LocalIndex, QuiverError } = await import(entry);
const k = Number(kText);
const writers = Number(writersText);
const dims = Number(dimsText);
const rng = makeRng(Number(seedText));
const index = new LocalIndex(folder);
const me = `${role}${k}`;

// ---- learning other writers' resolved writes ------------------------------------------------

/** Reads the complete lines appended to a file since the last call. */
class Tail {
  constructor(path) {
    this.path = path;
    this.offset = 0;
    this.rest = '';
  }
  lines() {
    if (!existsSync(this.path)) return [];
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const text = this.rest + buffer.toString('utf8');
      const end = text.lastIndexOf('\n');
      this.rest = text.slice(end + 1);
      return end < 0 ? [] : text.slice(0, end).split('\n').map((l) => JSON.parse(l));
    } finally {
      closeSync(fd);
    }
  }
}

const others = [];
for (let w = 0; w < writers; w++) {
  if (role === 'writer' && w === k) continue;
  others.push({ w, tail: new Tail(join(markers, `w${w}.jsonl`)), ended: false });
}
const known = new Map(); // id -> { v, m, deleting, deleted }
const stats = { checkedPuts: 0, checkedDeletes: 0, recallMisses: 0, busy: 0, writes: 0, violationCount: 0 };
const violations = [];

/** Reads what the others published since last time; returns the new puts (by batch) and deletes. */
function learn() {
  const puts = [];
  const deletes = [];
  for (const o of others) {
    for (const rec of o.tail.lines()) {
      if (rec.t === 'put') {
        for (const it of rec.items) known.set(it.id, { v: it.v, m: it.m, deleting: false, deleted: false });
        puts.push(rec);
      } else if (rec.t === 'del-intent') known.get(rec.id).deleting = true;
      else if (rec.t === 'del-abort') known.get(rec.id).deleting = false;
      else if (rec.t === 'del') {
        known.get(rec.id).deleted = true;
        deletes.push(rec.id);
      } else if (rec.t === 'end') o.ended = true;
    }
  }
  return { puts, deletes };
}

function violation(what) {
  stats.violationCount++;
  if (violations.length < 20) violations.push(what);
}

/**
 * Runs `probe` (true = sees the write as expected); on a miss, learns again first: a delete the
 * writer announced meanwhile excuses a missing item.
 */
async function expectSeen(id, label, probe) {
  if (await probe()) return;
  const puts = learn();
  pendingPuts.push(...puts.puts);
  pendingDeletes.push(...puts.deletes);
  const entry = known.get(id);
  if (entry.deleting || entry.deleted) return;
  violation(`${me}: ${label} does not see ${id}, written and resolved by another process`);
}

async function checkPut(batch) {
  const items = batch.items;
  const sample = items.length <= 5 ? items : [items[0], items[items.length - 1], ...Array.from({ length: 3 }, () => items[Math.floor(rng() * items.length)])];
  for (const it of sample) {
    stats.checkedPuts++;
    await expectSeen(it.id, 'getItem', async () => {
      const got = await index.getItem(it.id);
      if (!got) return false;
      const diff = itemDifference(got, it.id, it);
      if (diff) violation(`${me}: getItem(${it.id}) ${diff}`);
      return true;
    });
    const vector = decodeVector(it.v);
    await expectSeen(it.id, 'queryItems(own vector, 10)', async () => {
      if ((await index.queryItems(vector, 10)).some((h) => h.item.id === it.id)) return true;
      // A miss of the approximate search itself, not of a stale view: a wide search finds it.
      const wide = await index.query(vector, { topK: 10, efSearch: 2000 });
      if (wide.some((h) => h.item.id === it.id)) {
        stats.recallMisses++;
        return true;
      }
      return false;
    });
    await expectSeen(it.id, 'listItemsByMetadata({w, n})', async () =>
      (await index.listItemsByMetadata({ w: it.m.w, n: it.m.n })).some((x) => x.id === it.id));
  }
  // The whole batch at once: a filter on its batch number lists all of it that is not deleted.
  const listed = await index.listItemsByMetadata({ w: items[0].m.w, b: batch.b });
  const missing = items.filter((it) => !listed.some((x) => x.id === it.id));
  for (const it of missing) await expectSeen(it.id, 'listItemsByMetadata({w, b})', async () => false);
}

async function checkDelete(id) {
  stats.checkedDeletes++;
  const entry = known.get(id);
  const vector = decodeVector(entry.v);
  if (await index.getItem(id)) violation(`${me}: getItem(${id}) returns an item deleted by another process`);
  if ((await index.queryItems(vector, 10)).some((h) => h.item.id === id)) {
    violation(`${me}: a query returns ${id}, deleted by another process`);
  }
  if ((await index.listItemsByMetadata({ w: entry.m.w, n: entry.m.n })).length > 0) {
    violation(`${me}: a filter lists ${id}, deleted by another process`);
  }
}

const pendingPuts = [];
const pendingDeletes = [];
async function learnAndCheck() {
  const { puts, deletes } = learn();
  pendingPuts.push(...puts);
  pendingDeletes.push(...deletes);
  while (pendingPuts.length || pendingDeletes.length) {
    if (pendingPuts.length) await checkPut(pendingPuts.shift());
    else await checkDelete(pendingDeletes.shift());
  }
}

// ---- writing ------------------------------------------------------------------------------------

const log = role === 'writer' ? new JsonLog(join(markers, `w${k}.jsonl`)) : null;
const mine = []; // live ids written by this writer
let itemNo = 0;
let batchNo = 0;
const newItem = (b) => {
  const n = ++itemNo;
  const vector = randomVector(rng, dims);
  return { id: `w${k}-${n}`, vector, metadata: { w: k, n, b, who: me } };
};
const published = (items) => items.map((it) => ({ id: it.id, v: encodeVector(it.vector), m: it.metadata }));

async function writeOnce() {
  const r = rng();
  try {
    if (r < 0.15 && mine.length > 10) {
      const id = mine.splice(Math.floor(rng() * mine.length), 1)[0];
      log.append({ t: 'del-intent', id });
      try {
        await index.deleteItem(id);
      } catch (err) {
        log.append({ t: 'del-abort', id });
        mine.push(id);
        throw err;
      }
      log.append({ t: 'del', id });
    } else {
      const b = ++batchNo;
      const size = r < 0.55 ? 1 : r < 0.93 ? 2 + Math.floor(rng() * 49) : r < 0.97 ? 300 + Math.floor(rng() * 1200) : 3;
      const items = Array.from({ length: size }, () => newItem(b));
      if (size === 1) await index.insertItem(items[0]);
      else if (size === 3) {
        await index.beginUpdate();
        for (const it of items) await index.insertItem(it);
        await index.endUpdate();
      } else await index.batchInsertItems(items);
      log.append({ t: 'put', b, items: published(items) });
      for (const it of items) mine.push(it.id);
    }
    stats.writes++;
  } catch (err) {
    if (err instanceof QuiverError && err.code === 'BUSY') {
      stats.busy++;
      if (index.cancelUpdate) await index.cancelUpdate().catch(() => {});
      return;
    }
    throw err;
  }
}

try {
  await index.getIndexStats(); // opened before the clock starts
  await barrier(join(markers, 'ready'), me, Number(processesText));
  const deadline = Date.now() + Number(durationText);
  while (Date.now() < deadline) {
    if (role === 'writer') await writeOnce();
    else await sleep(2);
    await learnAndCheck();
  }
  log?.append({ t: 'end' });
  // Until every writer is done, keep checking; then once more, so nothing is left unchecked.
  while (!others.every((o) => o.ended)) {
    await learnAndCheck();
    await sleep(5);
  }
  await learnAndCheck();
  await index.close();
} catch (err) {
  report('error', describeError(err, QuiverError));
  process.exit(1);
}
report('summary', { me, ...stats, known: known.size, violations });
