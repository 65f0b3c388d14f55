// Shared test helpers: temp folders, typed-error assertions, and index snapshots used to check
// that a failed call left the index exactly as it was.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect } from 'vitest';

import { QuiverError, type QuiverErrorCode } from '../../ts/src/errors.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { AnyMetadata } from './backends.js';

/** A fresh folder under the OS temp dir; `cleanup` removes it. */
export function makeTempDir(prefix = 'quiver-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Anything a test opens and must close before its folder is removed. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * A fresh temp folder for each test of the enclosing describe (or file), and the indexes the test
 * opened in it: after each test they are closed, then the folder is removed.
 */
export function useTempIndexes(prefix?: string): {
  /** The test's folder, or a path inside it. */
  path(name?: string): string;
  /** Registers an index to close after the test; returns it. */
  track<T extends Closable>(index: T): T;
} {
  let tmp: ReturnType<typeof makeTempDir> | undefined;
  const opened: Closable[] = [];
  beforeEach(() => {
    tmp = makeTempDir(prefix);
  });
  afterEach(async () => {
    try {
      for (const index of opened.splice(0)) await index.close();
    } finally {
      tmp?.cleanup();
      tmp = undefined;
    }
  });
  return {
    path(name) {
      if (!tmp) throw new Error('useTempIndexes: path() is only available inside a test');
      return name === undefined ? tmp.path : join(tmp.path, name);
    },
    track(index) {
      opened.push(index);
      return index;
    },
  };
}

/**
 * Asserts that `promise` rejects with a QuiverError of `code` whose message contains (or matches)
 * `message` when given. Returns the error for further checks.
 */
export async function expectQuiverError(
  promise: Promise<unknown>,
  code: QuiverErrorCode,
  message?: string | RegExp,
): Promise<QuiverError> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected a rejection with code ${code}`).toBeInstanceOf(QuiverError);
  const quiverError = error as QuiverError;
  expect({ code: quiverError.code, message: quiverError.message }).toMatchObject({
    code,
    ...(message === undefined ? {} : { message: expect.stringMatching(toRegExp(message)) }),
  });
  return quiverError;
}

function toRegExp(message: string | RegExp): RegExp {
  return typeof message === 'string'
    ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    : message;
}

/** Everything observable about an index's committed content. */
export interface Snapshot {
  items: number;
  contents: { id: string; metadata: AnyMetadata; vector: number[] }[];
}

export async function snapshot(index: LocalIndex<AnyMetadata>): Promise<Snapshot> {
  const stats = await index.getIndexStats();
  const contents = (await index.listItems()).map(({ id, metadata, vector }) => ({
    id,
    metadata,
    vector,
  }));
  return { items: stats.items, contents };
}

/** Asserts that the index still has exactly the content of `before`. */
export async function expectUnchanged(
  index: LocalIndex<AnyMetadata>,
  before: Snapshot,
): Promise<void> {
  expect(await snapshot(index)).toEqual(before);
}

/** A deterministic pseudo-random unit-ish vector (no zero vectors). */
export function randomVector(dimensions: number, seed: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < dimensions; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    vector[i] = state / 2 ** 32 - 0.5;
  }
  vector[0] += 1; // keeps the vector away from zero whatever the seed
  return vector;
}
