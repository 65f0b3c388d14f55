// A tiny deterministic text embedding: hashed bag of words plus character trigrams, signed and
// L2-normalised. It is a STAND-IN for a real embedding model (e.g. a sentence-transformer run
// with transformers.js or an embeddings API): it knows nothing about meaning, only about shared
// words and word fragments. Trigrams make half-typed words ("lent" -> "lentil") already match,
// which is what search-as-you-type needs. Swap `embed` for a real model and nothing else changes.

export const DIMENSIONS = 256;

/** FNV-1a, 32 bits: fast, deterministic, good enough to spread tokens over dimensions. */
function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const h = hash(feature, 0);
  // The sign spreads collisions out instead of piling them up in the same direction.
  vector[h % DIMENSIONS] += h & 0x80000000 ? -weight : weight;
}

export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** The embedding of `text`; undefined when it has no word at all (nothing to search for). */
export function embed(text: string): Float32Array | undefined {
  const words = tokens(text);
  if (words.length === 0) return undefined;
  const vector = new Float32Array(DIMENSIONS);
  for (const word of words) {
    add(vector, `w:${word}`, 1);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(vector, `t:${padded.slice(i, i + 3)}`, 0.5);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) return undefined;
  for (let i = 0; i < DIMENSIONS; i++) vector[i] /= norm;
  return vector;
}
