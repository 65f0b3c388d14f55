// Types of common.mjs for the TypeScript tests that import it (the workers are plain .mjs).

export interface Rng {
  (): number;
  int(lo: number, hi: number): number;
  pick<T>(array: T[]): T;
}
export interface StoredVersion {
  v: string;
  m: Record<string, unknown>;
}
export function makeRng(seed: number): Rng;
export function randomVector(rng: () => number, dims: number): Float32Array;
export function encodeVector(v: Float32Array | ArrayLike<number>): string;
export function decodeVector(b64: string): Float32Array;
export function sameJson(a: unknown, b: unknown): boolean;
export function itemDifference(
  item: { id: string; vector: ArrayLike<number>; metadata: unknown },
  id: string,
  expected: StoredVersion,
): string;
export class JsonLog {
  constructor(path: string);
  append(record: unknown, durable?: boolean): void;
  close(): void;
}
export function readJsonLines(path: string): any[];
export function describeError(
  err: unknown,
  QuiverError: new (...args: any[]) => Error,
): { typed: boolean; name: string; code: unknown; message: string };
export function sleep(ms: number): Promise<void>;
export function report(tag: string, value: unknown): void;
export function barrier(dir: string, name: string, parties: number, settleMs?: number, timeoutMs?: number): Promise<void>;
