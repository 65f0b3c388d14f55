// Several processes on one index folder (native backend). Each child runs the built package
// (dist/esm). What must hold (README, "Several processes"):
// - a process sees every write another process resolved, through filters and queries, even when
//   that write landed while the process was itself writing (issue 7, item 3);
// - processes closing the index at the same moment leave a graph file the next open can trust:
//   verify() says consistent and every item is found by its own vector (issue 7, item 2).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeAll, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
// @ts-expect-error: plain JS module shared with the child processes (no types)
import { vectorOf as untypedVectorOf } from './fixtures/crossprocess-vectors.mjs';
import { makeTempDir } from './helpers.js';

const vectorOf = untypedVectorOf as (name: string, i: number, dims: number) => Float32Array;
const ROOT = join(import.meta.dirname, '..', '..');
const DIST_ENTRY = join(ROOT, 'dist', 'esm', 'index.js');
const CHILD = join(import.meta.dirname, 'fixtures', 'crossprocess-child.mjs');

/** Builds dist/ (what the children import) unless it is newer than every source file. */
function ensureDistBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs));
  if (existsSync(DIST_ENTRY) && statSync(DIST_ENTRY).mtimeMs >= newest(join(ROOT, 'ts', 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ts.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
const DIMENSIONS = 32;

interface Check {
  name: string;
  missingByFilter: Record<string, number>;
  missingByQuery: Record<string, number>;
  listed: number;
}

/** One writer process; `line(text)` resolves when it printed that line. */
class Writer {
  readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  private waiters: { text: string; resolve: () => void }[] = [];
  readonly exited: Promise<void>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CHILD, pathToFileURL(DIST_ENTRY).href, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.waiters = this.waiters.filter((w) => !(this.lines().includes(w.text) && (w.resolve(), true)));
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('exit', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`writer exited ${code ?? signal}:\n${this.stderr}`)),
      );
    });
  }

  private lines(): string[] {
    return this.stdout.split('\n');
  }

  line(text: string): Promise<void> {
    if (this.lines().includes(text)) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ text, resolve })),
      this.exited.then(() => {
        throw new Error(`writer exited before printing "${text}"`);
      }),
    ]);
  }

  async check(): Promise<Check> {
    await this.exited;
    const json = this.lines().find((l) => l.startsWith('{'));
    if (!json) throw new Error(`no check printed:\n${this.stdout}\n${this.stderr}`);
    return (JSON.parse(json) as { check: Check }).check;
  }
}

async function createIndex(folder: string): Promise<void> {
  const index = new LocalIndex(folder, undefined, { backend: nodeBackend });
  await index.createIndex({ version: 1, dimensions: DIMENSIONS });
  await index.close();
}

function writerArgs(folder: string, name: string, count: number, batch: number,
                    others: [string, number][], goFile: string, close = false): string[] {
  return [folder, name, String(count), String(batch), String(DIMENSIONS),
    others.map(([n, c]) => `${n}:${c}`).join(','), goFile, close ? 'close' : ''];
}

function expectSeesEveryone(check: Check, total: number): void {
  expect({ name: check.name, filter: check.missingByFilter, query: check.missingByQuery, listed: check.listed })
    .toEqual({ name: check.name, filter: {}, query: {}, listed: total });
}

describe('several processes on one index (native backend)', () => {
  let tmp: ReturnType<typeof makeTempDir> | undefined;
  beforeAll(ensureDistBuilt, 180_000);
  afterEach(() => tmp?.cleanup());

  test('a write that lands during another process\'s big batch is seen by both', async () => {
    tmp = makeTempDir('quiver-xproc-');
    for (let round = 0; round < 2; round++) {
      const folder = join(tmp.path, `idx${round}`);
      const go = `${folder}.go`;
      await createIndex(folder);
      const big = 20_000;
      const a = new Writer(writerArgs(folder, 'a', big, big, [['b', 1]], go));
      await a.line('start');
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
      const b = new Writer(writerArgs(folder, 'b', 1, 1, [['a', big]], go));
      await Promise.all([a.line('wrote'), b.line('wrote')]);
      writeFileSync(go, '');
      expectSeesEveryone(await a.check(), big + 1);
      expectSeesEveryone(await b.check(), big + 1);
    }
  }, 300_000);

  test('8 writers each see every other writer\'s resolved writes', async () => {
    tmp = makeTempDir('quiver-xproc-');
    const names = Array.from({ length: 8 }, (_, i) => `w${i}`);
    const count = 300;
    for (let round = 0; round < 3; round++) {
      const folder = join(tmp.path, `idx${round}`);
      const go = `${folder}.go`;
      await createIndex(folder);
      const writers = names.map(
        (name) => new Writer(writerArgs(folder, name, count, 25,
          names.filter((n) => n !== name).map((n) => [n, count] as [string, number]), go)),
      );
      await Promise.all(writers.map((w) => w.line('wrote')));
      writeFileSync(go, '');
      for (const w of writers) expectSeesEveryone(await w.check(), names.length * count);
    }
  }, 300_000);

  test('12 processes closing at once leave a graph file the next open can trust', async () => {
    tmp = makeTempDir('quiver-xproc-');
    const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const count = 200;
    // Before the fix, round 0 or 1 already left a garbage file (shared temp names).
    for (let round = 0; round < 4; round++) {
      const folder = join(tmp.path, `idx${round}`);
      const go = `${folder}.go`;
      await createIndex(folder);
      const writers = names.map((name) => new Writer(writerArgs(folder, name, count, count, [], go, true)));
      await Promise.all(writers.map((w) => w.line('wrote')));
      writeFileSync(go, '');
      await Promise.all(writers.map((w) => w.exited));

      const index = new LocalIndex(folder, undefined, { backend: nodeBackend });
      const report = JSON.parse(await index.verify()) as { consistent: boolean; open: string };
      expect(report, `round ${round}`).toMatchObject({ consistent: true, open: expect.stringMatching(/loaded/) });
      let notFound = 0;
      for (const name of names) {
        for (let i = 0; i < count; i++) {
          const [hit] = await index.queryItems(vectorOf(name, i, DIMENSIONS), 1);
          if (hit?.item.id !== `${name}-${i}`) notFound++;
        }
      }
      expect(notFound, `round ${round}: items not found by their own vector`).toBe(0);
      await index.close();
    }
  }, 300_000);
});
