// kill -9 loop: a child does mixed writes (insert, upsert, delete, batch insert, staged
// beginUpdate/endUpdate), journaling each write (fsynced) only after its Promise resolved; the
// parent kills it with SIGKILL at random moments. The next child reopens the index and checks it
// against the journal before writing again (workers/kill-writer.mjs): every resolved write present
// and intact (vector bit-exact, metadata equal), deletes absent, nothing that was never written,
// the write in flight at the kill all or nothing, getItem and a query by each item's own vector
// find it, and verify() finds the graph in agreement with the database.

import { join } from 'node:path';

import { beforeAll, describe, expect, test } from 'vitest';

import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from '../ts/helpers.js';
import {
  LONG,
  NATIVE,
  SEED,
  WASM,
  describeExit,
  ensureDistBuilt,
  makeRng,
  runWorker,
  startWorker,
  type Target,
  type WorkerExit,
} from './support.js';

const DIMS = 16;
const KILLS = { native: LONG ? 1000 : 50, wasm: LONG ? 1000 : 25 };
const KILLS_PER_INDEX = LONG ? 25 : 10; // then a fresh index, so that checks stay quick

interface CheckReport {
  run: string;
  items: number;
  pending: { n: number; op: string; ops: number; applied: boolean | null } | null;
  open?: string;
  recallMisses?: number;
  problems: string[];
  problemCount: number;
}

/** Runs one writer and kills it with SIGKILL at a random moment; returns its reopen check. */
async function killOnce(
  target: Target,
  folder: string,
  journal: string,
  run: string,
  seed: number,
  rng: () => number,
): Promise<{ report: CheckReport | undefined; exit: WorkerExit; earlyKill: boolean }> {
  // One kill in ten lands while the child is still opening and checking (crash during recovery);
  // the others while it writes, mostly soon after it started, sometimes after a while.
  const earlyKill = rng() < 0.1;
  const delay = earlyKill ? 20 + rng() * 300 : rng() < 0.85 ? rng() * 300 : 300 + rng() * 1000;
  let timer: NodeJS.Timeout | undefined;
  const worker = startWorker(
    'kill-writer.mjs',
    [target.entry, folder, journal, run, String(seed), String(DIMS), 'write'],
    (line, child) => {
      if (line.tag === 'ready' && !earlyKill) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    },
  );
  if (earlyKill) timer = setTimeout(() => worker.child.kill('SIGKILL'), delay);
  const exit = await worker.exited;
  clearTimeout(timer);
  const report = exit.lines.find((l) => l.tag === 'check')?.value as CheckReport | undefined;
  return { report, exit, earlyKill };
}

/** A check-only run (no kill): the final state of an index after its last kill. */
async function finalCheck(target: Target, folder: string, journal: string, run: string, seed: number) {
  const exit = await runWorker('kill-writer.mjs', [target.entry, folder, journal, run, String(seed), String(DIMS), 'check']);
  expect(exit.code, describeExit(exit)).toBe(0);
  return exit.lines.find((l) => l.tag === 'check')?.value as CheckReport;
}

function killLoop(target: Target): void {
  test(`${KILLS[target.name]} SIGKILLs during mixed writes lose no resolved write (${target.name})`, async () => {
    const tmp = makeTempDir(`quiver-kill9-${target.name}-`);
    const rng = makeRng(SEED ^ 0x6b696c6c);
    const reports: CheckReport[] = [];
    const pendings: Record<string, number> = {};
    let earlyKills = 0;
    try {
      let folder = '';
      let journal = '';
      for (let kill = 0; kill < KILLS[target.name]; kill++) {
        if (kill % KILLS_PER_INDEX === 0) {
          if (folder) reports.push(await finalCheck(target, folder, journal, `final${kill}`, SEED + kill));
          folder = join(tmp.path, `index${kill}`);
          journal = join(tmp.path, `journal${kill}.jsonl`);
          const index = new LocalIndex(folder, undefined, { backend: target.backend });
          await index.createIndex({ version: 1, dimensions: DIMS });
          await index.close();
        }
        const { report, exit, earlyKill } = await killOnce(target, folder, journal, `k${kill}`, SEED + kill, rng);
        // The only way a writer may end is our SIGKILL: an error or a crash fails the test.
        expect(exit.signal, `run k${kill}: ${JSON.stringify(report)} ${describeExit(exit)}`).toBe('SIGKILL');
        expect(exit.lines.find((l) => l.tag === 'error'), `run k${kill}`).toBeUndefined();
        if (earlyKill) earlyKills++;
        if (report) {
          reports.push(report);
          if (report.pending) {
            const key = `${report.pending.op}:${report.pending.applied ? 'kept' : 'dropped'}`;
            pendings[key] = (pendings[key] ?? 0) + 1;
          }
        }
      }
      reports.push(await finalCheck(target, folder, journal, 'final', SEED));
      const failed = reports.filter((r) => r.problemCount > 0);
      console.info(
        `kill -9 (${target.name}, seed ${SEED}): ${KILLS[target.name]} kills (${earlyKills} during reopen), ` +
          `${reports.length} reopen checks, max ${Math.max(...reports.map((r) => r.items))} items; ` +
          `write in flight at the kill: ${JSON.stringify(pendings)}; ` +
          `${reports.reduce((n, r) => n + (r.recallMisses ?? 0), 0)} approximate-search misses (found with efSearch 2000)`,
      );
      expect(failed.map((r) => ({ run: r.run, pending: r.pending, problems: r.problems }))).toEqual([]);
      expect(reports.length).toBeGreaterThan(KILLS[target.name] / 2);
    } finally {
      // QUIVER_RELIABILITY_KEEP=1 keeps the indexes of a failed run for inspection.
      if (process.env.QUIVER_RELIABILITY_KEEP && reports.some((r) => r.problemCount > 0)) {
        console.info(`kept for inspection: ${tmp.path}`);
      } else {
        tmp.cleanup();
      }
    }
  }, (LONG ? 6 * 3600 : 600) * 1000);
}

describe('kill -9 loop', () => {
  beforeAll(ensureDistBuilt, 180_000);
  killLoop(NATIVE);
  killLoop(WASM);
});
