// Runs a test suite with a quantized graph: with QUIVER_TEST_QUANTIZATION=f16 or i8 in the
// environment, every index the suite creates through these backends gets that `quantization`
// (and `rescore: true`, so rankings match f32's) unless its config names one itself. Used by
// the contract suite (test/ts/backends.ts) and the reliability suite (test/reliability/
// support.ts); without the variable the backends are returned unchanged. Example:
//   QUIVER_TEST_QUANTIZATION=i8 npx vitest run test/ts/contract.test.ts
import type { Backend } from '../ts/src/backend.js';

const wanted = process.env.QUIVER_TEST_QUANTIZATION;
if (wanted !== undefined && !['f32', 'f16', 'i8'].includes(wanted)) {
  throw new Error(`QUIVER_TEST_QUANTIZATION must be f32, f16 or i8, got ${JSON.stringify(wanted)}`);
}

/** The quantization the suites run with ('f32' when the variable is not set). */
export const testQuantization = wanted ?? 'f32';

export function withDefaultQuantization<B extends Backend>(backend: B): B {
  if (wanted === undefined || wanted === 'f32') return backend;
  return {
    ...backend,
    create(folder: string, config: string, deleteIfExists: boolean) {
      // Spliced into the text rather than parsed and re-serialized: the bad-input suite passes
      // configs nested 10,000 deep, which JSON.parse/stringify cannot round-trip (stack).
      const text = config.trimStart();
      if (text.startsWith('{') && !config.includes('"quantization"')) {
        const rest = text.slice(1).trimStart();
        const added = `"quantization":${JSON.stringify(wanted)}${config.includes('"rescore"') ? '' : ',"rescore":true'}`;
        config = `{${added}${rest.startsWith('}') ? '' : ','}${rest}`;
      }
      return backend.create(folder, config, deleteIfExists);
    },
  };
}
