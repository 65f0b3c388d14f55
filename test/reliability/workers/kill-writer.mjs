// Child of kill9.test.ts. On start it reopens the index (after the previous run was killed with
// SIGKILL) and checks it against the journal of resolved writes; then, in "write" mode, it does
// mixed writes forever, journaling each one, until the parent kills it.
//
// Usage: node kill-writer.mjs <entry URL> <folder> <journal> <run id> <seed> <dims> <write|check>
//
// Journal (JSON lines): before a write starts, {t:'intent', n, op, ops}; after its Promise
// resolved, {t:'done', n} (fsynced). `ops` is what the write does, applied atomically:
// [{k:'put', id, v, m}] (v = base64 float32) or [{k:'del', id}]. A write killed in flight (intent
// without done) may or may not have committed; the next run sees which, checks that it is all or
// nothing, and records {t:'settled', n, applied} so that the journal stays unambiguous.
//
// Prints "check {...}" (the report of the reopen check) and, in write mode, "ready".

import {
  JsonLog,
  decodeVector,
  encodeVector,
  itemDifference,
  makeRng,
  randomVector,
  readJsonLines,
  report,
  describeError,
} from './common.mjs';

const [entry, folder, journalPath, run, seedText, dimsText, mode] = process.argv.slice(2);
const { LocalIndex, QuiverError } = await import(entry);
const dims = Number(dimsText);
const rng = makeRng(Number(seedText));
const SAMPLE = 300; // items per check looked up one by one (getItem + query); listItems sees all

function apply(items, ops) {
  for (const op of ops) {
    if (op.k === 'put') items.set(op.id, { v: op.v, m: op.m });
    else items.delete(op.id);
  }
}

/** The journal replayed: resolved state, and the write in flight when the last run died. */
function replay(lines) {
  const items = new Map();
  let pending = null;
  let lastN = 0;
  for (const rec of lines) {
    if (rec.t === 'intent') {
      if (pending) throw new Error(`journal: intent ${rec.n} while ${pending.n} is unsettled`);
      pending = rec;
      lastN = rec.n;
    } else {
      if (!pending || pending.n !== rec.n) throw new Error(`journal: ${rec.t} ${rec.n} without intent`);
      if (rec.t === 'done' || rec.applied) apply(items, pending.ops);
      pending = null;
    }
  }
  return { items, pending, lastN };
}

/** Differences between what the index lists and `expected` (id -> {v, m}). */
function compare(listed, expected) {
  const problems = [];
  const seen = new Set();
  for (const item of listed) {
    if (seen.has(item.id)) problems.push(`${item.id}: listed twice`);
    seen.add(item.id);
    const want = expected.get(item.id);
    if (!want) problems.push(`${item.id}: listed but never written, or deleted`);
    else {
      const diff = itemDifference(item, item.id, want);
      if (diff) problems.push(`${item.id}: ${diff}`);
    }
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`${id}: resolved write lost`);
  return problems;
}

function sample(ids, count) {
  if (ids.length <= count) return ids;
  const out = new Set();
  while (out.size < count) out.add(ids[Math.floor(rng() * ids.length)]);
  return [...out];
}

const journal = new JsonLog(journalPath);
const index = new LocalIndex(folder);

async function check() {
  const { items: resolved, pending, lastN } = replay(readJsonLines(journalPath));
  const problems = [];
  let recallMisses = 0;
  const listed = await index.listItems();
  let expected = resolved;
  let applied = null;
  if (pending) {
    // All or nothing: the index must equal the resolved state with or without the whole write.
    const withPending = new Map(resolved);
    apply(withPending, pending.ops);
    const without = compare(listed, resolved);
    const withIt = compare(listed, withPending);
    applied = withIt.length === 0 ? true : without.length === 0 ? false : null;
    if (applied === null) {
      problems.push(`write ${pending.n} (${pending.op}, ${pending.ops.length} ops) is neither ` +
        `absent nor complete:`, ...(withIt.length <= without.length ? withIt : without).slice(0, 10));
    } else {
      expected = applied ? withPending : resolved;
      journal.append({ t: 'settled', n: pending.n, applied }, true);
    }
  } else {
    problems.push(...compare(listed, resolved).slice(0, 20));
  }

  const stats = await index.getIndexStats();
  if (stats.items !== expected.size) problems.push(`stats.items ${stats.items} != ${expected.size}`);

  const pendingIds = pending ? pending.ops.map((op) => op.id) : [];
  const toLook = [...new Set([...sample([...expected.keys()], SAMPLE), ...pendingIds])];
  for (const id of toLook) {
    const want = expected.get(id);
    const got = await index.getItem(id);
    if (!want) {
      if (got) problems.push(`getItem(${id}): returns a deleted item`);
      continue;
    }
    if (!got) {
      problems.push(`getItem(${id}): not found`);
      continue;
    }
    const diff = itemDifference(got, id, want);
    if (diff) problems.push(`getItem(${id}): ${diff}`);
    const hits = await index.queryItems(Array.from(got.vector), 10);
    if (!hits.some((h) => h.item.id === id)) {
      // The approximate search may miss now and then; an item missing from the graph is missed
      // by a wide search too.
      const wide = await index.query(Array.from(got.vector), { topK: 10, efSearch: 2000 });
      if (wide.some((h) => h.item.id === id)) recallMisses++;
      else problems.push(`queryItems(own vector of ${id}): not found, even with efSearch 2000 (${await whereInGraph(id, want, got)})`);
    }
  }
  for (const op of pending ? pending.ops : []) {
    if (op.k !== 'del' || expected.has(op.id)) continue;
    // A deleted item must not come back as a ghost hit for its old vector.
    const old = resolved.get(op.id);
    if (!old) continue;
    const hits = await index.queryItems(Array.from(decodeVector(old.v)), 10);
    if (hits.some((h) => h.item.id === op.id)) problems.push(`${op.id}: deleted but returned by a query`);
  }
  const verify = JSON.parse(await index.verify());
  // Inconsistent: a problem. Otherwise, when something else failed, its report (how open loaded
  // the graph) goes with the problems.
  if (verify.consistent !== true || problems.length > 0) problems.push(`verify(): ${JSON.stringify(verify)}`);
  report('check', {
    run,
    items: expected.size,
    pending: pending ? { n: pending.n, op: pending.op, ops: pending.ops.length, applied } : null,
    open: verify.open,
    recallMisses,
    problems: problems.slice(0, 30),
    problemCount: problems.length,
  });
  return { expected, lastN };
}

let state;
try {
  state = await check();
} catch (err) {
  report('check', { run, problems: [`check threw: ${JSON.stringify(describeError(err, QuiverError))}`], problemCount: 1 });
  process.exit(1);
}
if (mode === 'check') {
  await index.close();
  process.exit(0);
}

// For a problem report: whether the graph holds an item the search did not reach, and with which
// vector. A filter matching only this item is answered by an exact pass over the graph's stored
// vectors (no walk), so it tells a missing or stale element from an unreachable one. (How the
// open loaded the graph is added once, from the check's own verify() at its end.)
async function whereInGraph(id, want, got) {
  const vector = Array.from(got.vector);
  const exact = await index.query(vector, { topK: 1, filter: { tag: want.m.tag } });
  const hit = exact.find((h) => h.item.id === id);
  const whole = await index.query(vector, { topK: 10, efSearch: 100000 });
  const info = await index.getIndexInfo();
  return (
    `exact pass: ${hit ? `found at distance ${hit.distance}` : 'absent'}; ` +
    `efSearch 100000: ${whole.some((h) => h.item.id === id) ? 'found' : 'not found'}; ` +
    `shards ${JSON.stringify(info.shards)}`
  );
}

// ---- write mode: mixed writes until killed ---------------------------------------------------
const live = new Set(state.expected.keys());
let n = state.lastN;
let fresh = 0;
const newId = () => `${run}-${++fresh}`;
const put = (id) => ({
  k: 'put',
  id,
  v: encodeVector(randomVector(rng, dims)),
  m: { run, n: fresh, tag: Math.floor(rng() * 1e9).toString(36), x: rng(), nested: { ok: rng() < 0.5 } },
});
const asInput = (op) => ({ id: op.id, vector: decodeVector(op.v), metadata: op.m });
const liveId = () => [...live][Math.floor(rng() * live.size)];

async function once() {
  const r = rng();
  let op;
  let ops;
  let runWrite;
  if (r < 0.25 || live.size < 5) {
    op = 'insert';
    ops = [put(newId())];
    runWrite = () => index.insertItem(asInput(ops[0]));
  } else if (r < 0.4) {
    op = 'upsert';
    ops = [put(rng() < 0.7 ? liveId() : newId())];
    runWrite = () => index.upsertItem(asInput(ops[0]));
  } else if (r < 0.52) {
    op = 'delete';
    ops = [{ k: 'del', id: liveId() }];
    runWrite = () => index.deleteItem(ops[0].id);
  } else if (r < 0.85) {
    op = 'batch';
    const size = rng() < 0.05 ? rng.int(400, 1000) : rng() < 0.3 ? rng.int(50, 200) : rng.int(2, 20);
    ops = Array.from({ length: size }, () => put(newId()));
    runWrite = () => index.batchInsertItems(ops.map(asInput));
  } else {
    op = 'staged';
    const used = new Set();
    ops = [];
    for (let i = rng.int(2, 12); i > 0; i--) {
      const kind = rng();
      const existing = liveId();
      if (kind < 0.5 || used.has(existing)) ops.push(put(newId()));
      else if (kind < 0.75) ops.push(put(existing));
      else ops.push({ k: 'del', id: existing });
      used.add(ops[ops.length - 1].id);
    }
    runWrite = async () => {
      await index.beginUpdate();
      for (const o of ops) {
        if (o.k === 'del') await index.deleteItem(o.id);
        else if (live.has(o.id)) await index.upsertItem(asInput(o));
        else await index.insertItem(asInput(o));
      }
      await index.endUpdate();
    };
  }
  n += 1;
  journal.append({ t: 'intent', n, op, ops }, false); // survives SIGKILL (page cache)
  await runWrite();
  journal.append({ t: 'done', n }, true);
  for (const o of ops) {
    if (o.k === 'put') live.add(o.id);
    else live.delete(o.id);
  }
}

report('ready', { run });
for (;;) {
  try {
    await once();
  } catch (err) {
    report('error', describeError(err, QuiverError));
    process.exit(1);
  }
}
