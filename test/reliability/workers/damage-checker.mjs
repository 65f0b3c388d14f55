// Child of corruption.test.ts: for each damage case, copies a base index, damages one file
// (truncation or byte flip), then uses the copy the way an application would — open + stats,
// listItems, getItem of every original id, queries by vector (one with a large efSearch),
// listItemsByMetadata, verify(), listItems again — and reports what came back.
//
// Usage: node damage-checker.mjs <entry URL> <cases.json> <work dir> <first case>
// cases.json: { bases: {name: folder}, versions: {base: {id: [{v, m}]}}, cases: [{base, file,
// kind: 'truncate'|'flip', offset, xor?}] }. `versions` lists every version of each item that was
// ever committed in that base (a damaged WAL may roll back to an earlier commit).
//
// Prints "start <i>" before a case and "result {...}" after it. A crash (signal) therefore shows
// up in the parent as a "start" without a result. After an error that is not a QuiverError the
// module's state cannot be trusted (e.g. a WASM trap), so the child exits and the parent starts a
// new one at the next case.

import { copyFileSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, closeSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

import { decodeVector, describeError, itemDifference, report } from './common.mjs';

const [entry, casesPath, workDir, firstText] = process.argv.slice(2);
const { LocalIndex, QuiverError } = await import(entry);
const spec = JSON.parse(readFileSync(casesPath, 'utf8'));

function damage(folder, c) {
  const path = join(folder, c.file);
  if (c.kind === 'truncate') {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, c.offset);
    closeSync(fd);
  } else {
    const bytes = readFileSync(path);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([bytes[c.offset] ^ c.xor]), 0, 1, c.offset);
    closeSync(fd);
  }
}

async function runCase(i, c) {
  const folder = join(workDir, `case${i}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const base = spec.bases[c.base];
  for (const name of readdirSync(base)) copyFileSync(join(base, name), join(folder, name));
  damage(folder, c);

  const versions = spec.versions[c.base];
  const ids = Object.keys(versions);
  const errors = []; // typed errors, by stage
  const violations = []; // untyped errors and damaged items returned without an error
  let untyped = false;
  const returned = { listed: 0, got: 0, hits: 0 };

  const checkItem = (stage, item, askedId) => {
    const id = askedId ?? item.id;
    const known = versions[id];
    if (!known) {
      violations.push({ stage, kind: 'silent', id: item.id, what: `id ${JSON.stringify(item.id)} was never written` });
      return;
    }
    const diffs = known.map((want) => itemDifference(item, id, want));
    if (!diffs.includes('')) violations.push({ stage, kind: 'silent', id, what: diffs[diffs.length - 1] });
  };
  const stage = async (name, fn) => {
    if (untyped) return;
    try {
      await fn();
    } catch (err) {
      const e = describeError(err, QuiverError);
      if (e.typed && e.code !== 'INTERNAL') errors.push({ stage: name, code: e.code, message: e.message });
      else {
        violations.push({ stage: name, kind: e.typed ? 'internal' : 'untyped', error: e });
        untyped = !e.typed;
      }
    }
  };

  const index = new LocalIndex(folder);
  let listed = [];
  await stage('stats', () => index.getIndexStats());
  await stage('listItems', async () => {
    listed = await index.listItems();
    returned.listed = listed.length;
    for (const item of listed) checkItem('listItems', item);
  });
  await stage('getItem', async () => {
    for (const id of ids) {
      const item = await index.getItem(id);
      if (item) {
        returned.got++;
        checkItem('getItem', item, id);
      }
    }
  });
  await stage('query', async () => {
    const probes = [...listed.slice(0, 10).map((it) => it.vector), ...ids.slice(0, 10).map((id) => Array.from(decodeVector(versions[id][0].v)))];
    for (const vector of probes) {
      for (const hit of await index.queryItems(vector, 5)) {
        returned.hits++;
        checkItem('query', hit.item);
      }
    }
  });
  await stage('query efSearch 5000', async () => {
    const vector = Array.from(decodeVector(versions[ids[0]][0].v));
    for (const hit of await index.query(vector, { topK: 50, efSearch: 5000 })) checkItem('query efSearch 5000', hit.item);
  });
  await stage('listItemsByMetadata', async () => {
    for (const item of await index.listItemsByMetadata({ parity: 'even' })) checkItem('listItemsByMetadata', item);
  });
  let verify;
  await stage('verify', async () => {
    verify = JSON.parse(await index.verify());
  });
  await stage('listItems after verify', async () => {
    for (const item of await index.listItems()) checkItem('listItems after verify', item);
  });
  await stage('close', () => index.close());
  rmSync(folder, { recursive: true, force: true });
  return { i, errors, violations, returned, verify };
}

const first = Number(firstText);
for (let i = first; i < spec.cases.length; i++) {
  report('start', i);
  const result = await runCase(i, spec.cases[i]);
  report('result', result);
  if (result.violations.some((v) => v.kind === 'untyped')) process.exit(3);
}
process.exit(0);
