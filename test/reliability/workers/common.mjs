// Helpers shared by the reliability suite's child processes (plain Node, no TypeScript: they run
// the built package in dist/). Vectors travel between processes as base64 of their float32
// bytes, so that every comparison is bit-exact.

import { closeSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';

/** mulberry32: a small seeded generator, so that a failing run can be replayed from its seed. */
export function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive bounds
  next.pick = (array) => array[Math.floor(next() * array.length)];
  return next;
}

/** A random vector away from zero (valid under every metric). */
export function randomVector(rng, dims) {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = rng() - 0.5;
  v[0] += 1;
  return v;
}

export function encodeVector(v) {
  const f32 = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
}

export function decodeVector(b64) {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Deep equality of JSON values (metadata as stored and as returned). */
export function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

/**
 * Why a returned item differs from the expected one ({ v: base64, m: metadata }), or '' when
 * id, vector (bit for bit) and metadata are all equal.
 */
export function itemDifference(item, id, expected) {
  if (item.id !== id) return `id ${JSON.stringify(item.id)} instead of ${JSON.stringify(id)}`;
  if (encodeVector(item.vector) !== expected.v) return 'vector differs';
  if (!sameJson(item.metadata, expected.m)) {
    return `metadata ${JSON.stringify(item.metadata)} instead of ${JSON.stringify(expected.m)}`;
  }
  return '';
}

/** An append-only file of JSON lines; `durable` lines are fsynced before the call returns. */
export class JsonLog {
  constructor(path) {
    // A writer killed in the middle of a line leaves it torn (no newline). Cut it off before
    // appending, or the next record would be glued to it into one line that is not JSON.
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    if (text.length > 0 && !text.endsWith('\n')) {
      truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1), 'utf8'));
    }
    this.fd = openSync(path, 'a');
  }
  append(record, durable) {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (durable) fsyncSync(this.fd);
  }
  close() {
    closeSync(this.fd);
  }
}

/** Every complete line of a JSON-lines file (a torn last line, from a kill, is ignored). */
export function readJsonLines(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** A thrown value as plain data: whether it is the package's typed error, its code, message. */
export function describeError(err, QuiverError) {
  return {
    typed: err instanceof QuiverError,
    name: err?.constructor?.name ?? typeof err,
    code: err?.code,
    message: String(err?.message ?? err).slice(0, 300),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Prints one result line for the parent: a tag, then JSON. */
export function report(tag, value) {
  process.stdout.write(`${tag} ${JSON.stringify(value)}\n`);
}

/**
 * A barrier between processes through files: creates <dir>/<name>, waits until `parties` files
 * are in the folder, then sleeps until a moment all parties compute alike (the last arrival's
 * file time + `settleMs`), so that they leave within a few milliseconds of each other rather than
 * one polling interval (or one scheduling slice on a busy machine) apart.
 */
export async function barrier(dir, name, parties, settleMs = 150, timeoutMs = 120_000) {
  const { mkdirSync, readdirSync, statSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}`, '');
  const giveUp = Date.now() + timeoutMs;
  let names;
  while ((names = readdirSync(dir)).length < parties) {
    if (Date.now() > giveUp) throw new Error(`barrier: ${names.length} of ${parties} processes arrived in ${timeoutMs} ms`);
    await sleep(5);
  }
  const last = Math.max(...names.map((n) => statSync(`${dir}/${n}`).mtimeMs));
  const wait = last + settleMs - Date.now();
  if (wait > 0) await sleep(wait);
}
