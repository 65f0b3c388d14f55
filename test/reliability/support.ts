// Shared plumbing of the reliability suite: which backends the child processes run, the quick
// vs long mode, seeds, and a small wrapper that runs a worker script and parses its report lines.
//
// Children run the built package (dist/): a plain `node` process cannot load the TypeScript
// sources. A crash of the core (a signal) then ends one child, which the test sees and reports,
// instead of ending the test runner.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { Backend } from '../../ts/src/backend.js';
import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { withDefaultQuantization } from '../default-quantization.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKERS = join(ROOT, 'test', 'reliability', 'workers');

/** `npm run test:reliability -- --long` sets this: campaigns of hours instead of minutes. */
export const LONG = process.env.QUIVER_RELIABILITY === 'long';

/**
 * The run's random seed: printed by every test, and set with QUIVER_RELIABILITY_SEED to replay a
 * failing run (each test derives its own streams from it).
 */
export const SEED = Number(process.env.QUIVER_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A backend as the children see it (an entry of the built package) and as the parent does. */
export interface Target {
  name: 'native' | 'wasm';
  /** URL of the dist/ entry whose default LocalIndex uses this backend. */
  entry: string;
  backend: Backend;
}

export const NATIVE: Target = {
  name: 'native',
  entry: pathToFileURL(join(ROOT, 'dist', 'esm', 'index.js')).href,
  backend: withDefaultQuantization(nodeBackend),
};
export const WASM: Target = {
  name: 'wasm',
  entry: pathToFileURL(join(ROOT, 'dist', 'esm', 'wasm.js')).href,
  backend: withDefaultQuantization(wasmNodeBackend),
};

/** Builds dist/ (what the children import) unless it is newer than every TypeScript source. */
export function ensureDistBuilt(): void {
  const entry = join(ROOT, 'dist', 'esm', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, 'ts', 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ts.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** One "tag {json}" line printed by a worker. */
export interface WorkerLine {
  tag: string;
  value: any;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: WorkerLine[];
  stderr: string;
}

export interface Worker {
  child: ChildProcess;
  exited: Promise<WorkerExit>;
}

/**
 * Starts `node workers/<script> ...args`; `onLine` sees each report line as it arrives (e.g. to
 * kill the child at the right moment).
 */
export function startWorker(
  script: string,
  args: string[],
  onLine?: (line: WorkerLine, child: ChildProcess) => void,
): Worker {
  const child = spawn(process.execPath, [join(WORKERS, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WorkerLine[] = [];
  let pending = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 100_000) stderr += chunk.toString();
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      const space = text.indexOf(' ');
      const line: WorkerLine =
        space < 0 ? { tag: text, value: undefined } : { tag: text.slice(0, space), value: safeParse(text.slice(space + 1)) };
      lines.push(line);
      onLine?.(line, child);
    }
  });
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, lines, stderr }));
  });
  return { child, exited };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs a worker to its end. */
export function runWorker(script: string, args: string[]): Promise<WorkerExit> {
  return startWorker(script, args).exited;
}

/**
 * Runs several workers together; as soon as one fails (non-zero exit or a signal), the others
 * are killed, so that a failure is reported at once instead of leaving the rest waiting for it
 * (at a barrier, say) until the test times out.
 */
export async function runWorkersTogether(runs: { script: string; args: string[] }[]): Promise<WorkerExit[]> {
  const workers = runs.map(({ script, args }) => startWorker(script, args));
  let failed = false;
  return Promise.all(
    workers.map(async (worker) => {
      const exit = await worker.exited;
      if (!failed && (exit.code !== 0 || exit.signal)) {
        failed = true;
        for (const other of workers) if (other !== worker) other.child.kill('SIGKILL');
      }
      return exit;
    }),
  );
}

/** A seeded generator for the parent's own choices (kill delays, damage offsets). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A short description of how a worker ended, for failure messages. */
export function describeExit(exit: WorkerExit): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return `${how}; stderr: ${exit.stderr.slice(-2000)}`;
}
