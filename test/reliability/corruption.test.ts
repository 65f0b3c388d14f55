// Corruption sweep: many damaged copies of a small index — truncated at many offsets, or with
// one byte flipped — of quiver.db, shard-0.hnsw, and a WAL that still holds committed writes.
// Each copy is used in a child process (workers/damage-checker.mjs), so that a crash of the core
// is seen as a crash of that case, not of the test runner. Required for every copy: no crash
// (signal), no hang, no error other than a typed QuiverError (INTERNAL counts as a failure: a
// damaged file is CORRUPT, with what to do), and no damaged row returned
// silently — every item that comes back equals, bit for bit, a version of it that was committed.

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from 'vitest';

import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from '../ts/helpers.js';
import { LONG, NATIVE, SEED, WASM, ensureDistBuilt, makeRng, startWorker, type Target } from './support.js';
import { encodeVector, randomVector, makeRng as makeWorkerRng } from './workers/common.mjs';

const DIMS = 8;
const SCALE = LONG ? 25 : 1;
/** Damaged copies per file and kind, in the quick run (long: × SCALE). */
const PLAN: { base: 'closed' | 'wal'; file: string; truncations: number; flips: number }[] = [
  { base: 'closed', file: 'quiver.db', truncations: 30, flips: 110 },
  { base: 'closed', file: 'shard-0.hnsw', truncations: 15, flips: 50 },
  { base: 'wal', file: 'quiver.db-wal', truncations: 20, flips: 60 },
];
const SQLITE_PAGE = 4096;
const HANG_MS = 60_000;

type Versions = Record<string, { v: string; m: Record<string, unknown> }[]>;
interface DamageCase {
  base: 'closed' | 'wal';
  file: string;
  kind: 'truncate' | 'flip';
  offset: number;
  xor?: number;
}

/**
 * Two base indexes: `closed` (quiver.db + shard-0.hnsw after a clean close) and `wal` (copied
 * while a connection was still open after more writes, so that its quiver.db-wal holds commits
 * not yet checkpointed into quiver.db). Returns every version of every item each base committed.
 */
async function buildBases(target: Target, root: string) {
  const rng = makeWorkerRng(SEED);
  const closed = join(root, 'base-closed');
  const wal = join(root, 'base-wal');
  const history: Versions = {};
  const remember = (id: string, v: Float32Array, m: Record<string, unknown>) =>
    (history[id] ??= []).push({ v: encodeVector(v), m });
  const item = (i: number, version = 0) => {
    const vector = randomVector(rng, DIMS);
    const metadata = { i, version, parity: i % 2 ? 'odd' : 'even', label: `item ${i} v${version}`, score: rng() };
    remember(`item-${i}`, vector, metadata);
    return { id: `item-${i}`, vector, metadata };
  };

  let index = new LocalIndex(closed, undefined, { backend: target.backend });
  await index.createIndex({ version: 1, dimensions: DIMS });
  await index.batchInsertItems(Array.from({ length: 40 }, (_, i) => item(i)));
  for (let i = 40; i < 50; i++) await index.insertItem(item(i));
  for (let i = 0; i < 5; i++) await index.upsertItem(item(i * 3, 1));
  for (let i = 0; i < 5; i++) await index.deleteItem(`item-${45 + i}`);
  // For the closed base only its final state is valid; the WAL base may roll back to any commit.
  const closedVersions: Versions = {};
  for (const { id } of await index.listItems()) closedVersions[id] = history[id].slice(-1);
  await index.close();
  expect(existsSync(join(closed, 'quiver.db-wal'))).toBe(false);
  expect(existsSync(join(closed, 'shard-0.hnsw'))).toBe(true);

  // The WAL base starts from a copy of the closed one and keeps its writes in the WAL: the copy
  // is taken while the connection that made them is still open (SQLite checkpoints at close).
  const live = join(root, 'live');
  mkdirSync(live);
  for (const name of readdirSync(closed)) copyFileSync(join(closed, name), join(live, name));
  index = new LocalIndex(live, undefined, { backend: target.backend });
  await index.batchInsertItems(Array.from({ length: 10 }, (_, i) => item(50 + i)));
  for (let i = 60; i < 65; i++) await index.insertItem(item(i));
  for (let i = 0; i < 3; i++) await index.upsertItem(item(i * 7 + 1, 2));
  await index.deleteItem('item-2');
  await index.deleteItem('item-52');
  mkdirSync(wal);
  for (const name of ['quiver.db', 'quiver.db-wal', 'shard-0.hnsw']) copyFileSync(join(live, name), join(wal, name));
  await index.close();
  expect(statSync(join(wal, 'quiver.db-wal')).size).toBeGreaterThan(SQLITE_PAGE);

  return { bases: { closed, wal }, versions: { closed: closedVersions, wal: history } };
}

/** Truncation offsets (file boundaries that matter, then random ones) and random byte flips. */
function planCases(bases: Record<string, string>, rng: () => number): DamageCase[] {
  const cases: DamageCase[] = [];
  for (const { base, file, truncations, flips } of PLAN) {
    const size = statSync(join(bases[base], file)).size;
    const special = file.endsWith('-wal')
      ? [0, 1, 31, 32, 33, 55, 56, ...[1, 2, 3, 5, 8].map((n) => 32 + n * (24 + SQLITE_PAGE))]
      : file.endsWith('.hnsw')
        ? [0, 1, 8, 32, 63, 64, 65, 100, size - 1, size - 8]
        : [0, 1, 16, 99, 100, SQLITE_PAGE - 1, SQLITE_PAGE, SQLITE_PAGE + 1, 2 * SQLITE_PAGE, size - 1];
    const offsets = new Set(special.filter((o) => o >= 0 && o < size));
    while (offsets.size < Math.min(truncations * SCALE, size)) offsets.add(Math.floor(rng() * size));
    for (const offset of offsets) cases.push({ base, file, kind: 'truncate', offset });
    for (let n = 0; n < flips * SCALE; n++) {
      cases.push({ base, file, kind: 'flip', offset: Math.floor(rng() * size), xor: 1 + Math.floor(rng() * 255) });
    }
    if (file === 'quiver.db') cases.push(...schemaCases(base, join(bases[base], file)));
  }
  return cases;
}

/**
 * A flip in the schema's text renames a column (a page-1 flip that random offsets hit about once
 * in a thousand): the first letter of every column of every CREATE TABLE, so that each run has
 * them (e.g. "label" -> "mabel" makes every statement on items fail to prepare).
 */
function schemaCases(base: 'closed' | 'wal', path: string): DamageCase[] {
  const text = readFileSync(path).toString('latin1');
  const cases: DamageCase[] = [];
  for (let at = text.indexOf('CREATE TABLE'); at >= 0; at = text.indexOf('CREATE TABLE', at + 1)) {
    const statement = text.slice(at, text.indexOf(')', at) + 1);
    for (const column of statement.matchAll(/[(,]\s*([a-z_]+)\s/g)) {
      cases.push({ base, file: 'quiver.db', kind: 'flip', offset: at + column.index! + column[0].indexOf(column[1]), xor: 1 });
    }
  }
  return cases;
}

interface CaseResult {
  i: number;
  errors: { stage: string; code: string; message: string }[];
  violations: Record<string, unknown>[];
  returned: { listed: number; got: number; hits: number };
  verify?: { consistent: boolean; rebuilt: boolean };
}

/** Runs every case, one child at a time; a child that crashes or hangs is replaced. */
async function runCases(target: Target, casesPath: string, workDir: string, total: number) {
  const results: CaseResult[] = [];
  const crashes: { i: number; how: string; stderr: string }[] = [];
  let next = 0;
  while (next < total) {
    let current = -1;
    let watchdog: NodeJS.Timeout | undefined;
    let hung = false;
    const arm = (child: { kill(signal: NodeJS.Signals): unknown }) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, HANG_MS);
    };
    const worker = startWorker('damage-checker.mjs', [target.entry, casesPath, workDir, String(next)], (line, child) => {
      arm(child);
      if (line.tag === 'start') current = line.value;
      if (line.tag === 'result') {
        results.push(line.value);
        next = line.value.i + 1;
      }
    });
    arm(worker.child);
    const exit = await worker.exited;
    clearTimeout(watchdog);
    const unfinished = current >= 0 && !results.some((r) => r.i === current);
    if (unfinished) {
      const how = hung ? `hung (no answer in ${HANG_MS} ms)` : exit.signal ? `crashed (${exit.signal})` : `exited with ${exit.code}`;
      crashes.push({ i: current, how, stderr: exit.stderr.slice(-600) });
      next = current + 1;
    } else if (exit.code !== 0 && exit.code !== 3) {
      throw new Error(`damage checker failed before case ${next}: ${exit.signal ?? exit.code} ${exit.stderr}`);
    }
  }
  return { results, crashes };
}

function sweep(target: Target): void {
  test(`damaged copies never crash and never return damaged rows (${target.name})`, async () => {
    const tmp = makeTempDir(`quiver-damage-${target.name}-`);
    try {
      const { bases, versions } = await buildBases(target, tmp.path);
      const cases = planCases(bases, makeRng(SEED ^ 0x64616d67));
      const casesPath = join(tmp.path, 'cases.json');
      writeFileSync(casesPath, JSON.stringify({ bases, versions, cases }));
      const work = join(tmp.path, 'work');
      mkdirSync(work);
      const { results, crashes } = await runCases(target, casesPath, work, cases.length);

      const outcome = (r: CaseResult) =>
        r.violations.length ? 'violation' : r.errors.length ? `error ${[...new Set(r.errors.map((e) => e.code))].join('+')}` : 'ok';
      const summary: Record<string, Record<string, number>> = {};
      for (const r of results) {
        const c = cases[r.i];
        const key = `${c.file} ${c.kind}`;
        summary[key] ??= {};
        summary[key][outcome(r)] = (summary[key][outcome(r)] ?? 0) + 1;
      }
      for (const crash of crashes) {
        const c = cases[crash.i];
        const key = `${c.file} ${c.kind}`;
        summary[key] ??= {};
        summary[key].crash = (summary[key].crash ?? 0) + 1;
      }
      console.info(`corruption sweep (${target.name}, seed ${SEED}): ${cases.length} damaged copies\n` +
        Object.entries(summary).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n'));

      const show = (i: number) => JSON.stringify(cases[i]);
      expect(crashes.map((c) => `case ${show(c.i)}: ${c.how} ${c.stderr}`)).toEqual([]);
      const bad = results.filter((r) => r.violations.length > 0);
      expect(bad.slice(0, 15).map((r) => `case ${show(r.i)}: ${JSON.stringify(r.violations.slice(0, 3))}`),
        `${bad.length} of ${cases.length} damaged copies returned damage silently or failed with an untyped or INTERNAL error (not CORRUPT/IO)`).toEqual([]);
      expect(results.length + crashes.length).toBe(cases.length);
    } finally {
      tmp.cleanup();
    }
  }, (LONG ? 4 * 3600 : 600) * 1000);
}

describe('corruption sweep', () => {
  beforeAll(ensureDistBuilt, 180_000);
  sweep(NATIVE);
  sweep(WASM);
});
