// Runs a test suite on other index defaults, through the backends' create:
// - QUIVER_TEST_QUANTIZATION=f16|i8: every index the suite creates gets that `quantization` (and
//   `rescore: true`, so rankings match f32's) unless its config names one itself;
// - QUIVER_TEST_SHARDS=N: every index gets `shards: N` unless its config names a count.
// Used by the contract suite (test/ts/backends.ts), the ingest and crash tests and the
// reliability suite (test/reliability/support.ts); without the variables the backends are
// returned unchanged. Example:
//   QUIVER_TEST_QUANTIZATION=i8 QUIVER_TEST_SHARDS=2 npx vitest run test/ts/contract-query.test.ts
import type { Backend } from '../ts/src/backend.js';

const wanted = process.env.QUIVER_TEST_QUANTIZATION;
if (wanted !== undefined && !['f32', 'f16', 'i8'].includes(wanted)) {
  throw new Error(`QUIVER_TEST_QUANTIZATION must be f32, f16 or i8, got ${JSON.stringify(wanted)}`);
}
const shardsText = process.env.QUIVER_TEST_SHARDS;
const shardCount = shardsText === undefined ? 1 : Number(shardsText);
if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64) {
  throw new Error(`QUIVER_TEST_SHARDS must be an integer from 1 to 64, got ${JSON.stringify(shardsText)}`);
}

/** The quantization the suites run with ('f32' when the variable is not set). */
export const testQuantization = wanted ?? 'f32';

/** The shard count the suites create indexes with (1 when QUIVER_TEST_SHARDS is not set). */
export function testShards(): number {
  return shardCount;
}

/** `config` (JSON text) with `"key":value` added first when `key` does not occur in it. */
function splice(config: string, key: string, added: string): string {
  // Spliced into the text rather than parsed and re-serialized: the bad-input suite passes
  // configs nested 10,000 deep, which JSON.parse/stringify cannot round-trip (stack).
  const text = config.trimStart();
  if (!text.startsWith('{') || config.includes(`"${key}"`)) return config;
  const rest = text.slice(1).trimStart();
  return `{${added}${rest.startsWith('}') ? '' : ','}${rest}`;
}

export function withDefaultQuantization<B extends Backend>(backend: B): B {
  const quantize = wanted !== undefined && wanted !== 'f32';
  if (!quantize && shardCount === 1) return backend;
  return {
    ...backend,
    create(folder: string, config: string, deleteIfExists: boolean) {
      if (quantize) {
        const rescore = config.includes('"rescore"') ? '' : ',"rescore":true';
        config = splice(config, 'quantization', `"quantization":${JSON.stringify(wanted)}${rescore}`);
      }
      if (shardCount !== 1) config = splice(config, 'shards', `"shards":${shardCount}`);
      return backend.create(folder, config, deleteIfExists);
    },
  };
}

/** The same wrapper, named for what the shard tests use it for. */
export const withTestShards = withDefaultQuantization;
