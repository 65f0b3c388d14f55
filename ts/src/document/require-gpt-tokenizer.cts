// Loads gpt-tokenizer synchronously, for the Node entries (node-tokenizer.ts). CommonJS in both
// builds, like backends/load-addon.cts: `require` exists in dist/esm and dist/cjs alike, and
// resolves to gpt-tokenizer's own CommonJS build.

import type { Tokenizer } from './tokenizer.js';

export function requireGptTokenizer(): Tokenizer {
  return require('gpt-tokenizer') as Tokenizer;
}
