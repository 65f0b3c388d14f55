// Engines with synchronous insert calls yield to the event loop now and then, so progress
// messages reach the parent while a long build runs (a few hundred yields: no measurable cost).
export const PROGRESS_STEP = 5000;

export async function yieldEvery(done, total, onProgress) {
  if (done % PROGRESS_STEP !== 0 && done !== total) return;
  onProgress?.(done, total);
  await new Promise((resolve) => setImmediate(resolve));
}

/** [start, end) row ranges of at most `size` rows. */
export function* ranges(count, size) {
  for (let start = 0; start < count; start += size) yield [start, Math.min(count, start + size)];
}
