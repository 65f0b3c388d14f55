// Crash safety of the native backend: a process killed with SIGKILL in the middle of
// batchInsertItems must leave either none or all of that batch, never part of it, and must not
// lose anything committed before. The child runs the built package (dist/esm), since a plain
// `node` process cannot load the TypeScript sources.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterEach, beforeAll, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { withTestShards } from '../default-quantization.js';
import { makeTempDir, randomVector } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_ENTRY = join(ROOT, 'dist', 'esm', 'index.js');
const CHILD = join(ROOT, 'test', 'ts', 'fixtures', 'crash-child.mjs');

const DIMENSIONS = 64;
const EARLY = 200; // the child's first, awaited batch
const BATCH = 20_000; // the batch that gets killed
// Milliseconds between the child's "start" and SIGKILL; 'done' kills after the batch resolved.
// The batch takes long enough that the small delays land inside it.
// The batch's SQLite transaction commits a few hundred ms after "start" on a typical machine.
const KILL_POINTS: (number | 'done')[] = [0, 50, 150, 250, 350, 500, 'done'];

/** Builds dist/ (what the child imports) unless it is newer than every source file. */
function ensureDistBuilt(): void {
  const newestSource = newestMtime(join(ROOT, 'ts', 'src'));
  if (existsSync(DIST_ENTRY) && statSync(DIST_ENTRY).mtimeMs >= newestSource) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ts.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

interface ChildOutcome {
  /** Whether the child reported the large batch as resolved before it was killed. */
  done: boolean;
}

/** Runs the child and kills it with SIGKILL `killAt` ms after it printed "start". */
function runChild(folder: string, run: string, killAt: number | 'done'): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const args = [CHILD, pathToFileURL(DIST_ENTRY).href, folder, run, String(BATCH)];
    const child = spawn(process.execPath, [...args, String(DIMENSIONS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let done = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      if (lines.includes('done')) {
        done = true;
        if (killAt === 'done') kill();
      }
      if (lines.includes('start') && killAt !== 'done' && killTimer === undefined) {
        killTimer = setTimeout(kill, killAt);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited with code ${code} before being killed:\n${stderr}`));
      } else if (!stdout.includes(`committed ${EARLY}`)) {
        reject(new Error(`child was killed before committing its first batch:\n${stderr}`));
      } else {
        resolve({ done });
      }
    });
  });
}

describe('crash safety (native backend)', () => {
  let tmp: ReturnType<typeof makeTempDir> | undefined;

  beforeAll(ensureDistBuilt, 180_000);
  afterEach(() => tmp?.cleanup());

  test('SIGKILL during batchInsertItems keeps all or none of the batch', async () => {
    tmp = makeTempDir('quiver-crash-');
    const outcomes: string[] = [];
    for (const [n, killAt] of KILL_POINTS.entries()) {
      // A fresh index per kill point keeps the runs independent (and the reopen cheap).
      const folder = join(tmp.path, `index${n}`);
      const setup = new LocalIndex(folder, undefined, { backend: withTestShards(nodeBackend) });
      await setup.createIndex({ version: 1, dimensions: DIMENSIONS });
      await setup.close();

      const run = `run${n}`;
      // A little jitter so that repeated runs probe different points of the batch.
      const delay = killAt === 'done' ? killAt : killAt + Math.floor(Math.random() * 10);
      const { done } = await runChild(folder, run, delay);

      const index = new LocalIndex(folder, undefined, { backend: nodeBackend });
      const early = await index.listItemsByMetadata({ run, kind: 'early' });
      expect(early.map((item) => item.id)).toEqual(
        Array.from({ length: EARLY }, (_, i) => `${run}-early-${i}`),
      );
      const big = (await index.listItemsByMetadata({ run, kind: 'big' })).length;
      expect([0, BATCH]).toContain(big);
      if (done) expect(big).toBe(BATCH);
      expect((await index.getIndexStats()).items).toBe(EARLY + big);

      const hits = await index.queryItems(randomVector(DIMENSIONS, n), 5);
      expect(hits).toHaveLength(5);
      const [first] = await index.queryItems(early[7].vector, 1);
      expect(first.item.id).toBe(`${run}-early-7`);
      await index.close();
      const when = delay === 'done' ? 'after "done"' : `${delay} ms`;
      outcomes.push(`${when}: ${big === 0 ? 'none' : 'all'}`);
    }
    console.info(`crash test, batch kept after SIGKILL at: ${outcomes.join(', ')}`);
  }, 600_000);
});
