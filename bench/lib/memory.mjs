// Resident memory in MiB, measured after a full garbage collection (children run with
// --expose-gc) so that JS garbage left by a phase is not counted as the engine's memory.
export function settledRssMiB() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}
