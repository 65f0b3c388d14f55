// Seeded pseudo-random numbers, so every benchmark run sees exactly the same data.
// Math.random() cannot be seeded, and results are only comparable when the data is identical.

/**
 * mulberry32: a 32-bit state generator, fast and good enough for test data (not for crypto).
 * Returns a function producing floats in [0, 1).
 */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal samples from a uniform source (Box-Muller). Each pair of uniforms gives two
 * independent normals; the second is kept for the next call so no randomness is wasted.
 */
export function gaussian(uniform) {
  let spare = null;
  return function nextGaussian() {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    // 1 - u keeps the logarithm's argument in (0, 1], avoiding log(0).
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
