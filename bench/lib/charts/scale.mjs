// Axis scales and tick choices for the charts.

/** A linear map from [d0, d1] to [r0, r1]. */
export const linear = (d0, d1, r0, r1) => (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);

/** A log10 map from [d0, d1] (both > 0) to [r0, r1]. */
export function log10Scale(d0, d1, r0, r1) {
  const to = linear(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => to(Math.log10(v));
}

/** Decade bounds around [min, max]: 230..48,000 -> [100, 100,000]. */
export function decadeBounds(min, max) {
  const low = 10 ** Math.floor(Math.log10(min));
  let high = 10 ** Math.ceil(Math.log10(max));
  if (high === low) high *= 10;
  return [low, high];
}

/** Log ticks: every 1, 2 and 5 × 10^k within the bounds; `major` marks the powers of ten. */
export function logTicks(low, high) {
  const ticks = [];
  for (let decade = low; decade < high * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const value = decade * m;
      if (value <= high * 1.0001) ticks.push({ value, major: m === 1 });
    }
  }
  return ticks;
}

/** "100", "2k", "50k", "1M". */
export function compactNumber(value) {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}
