// Seeded pseudo-random samplers, so synthetic data is reproducible from a seed alone.

const TWO_POW_32 = 4_294_967_296;

/**
 * A uniform sampler on [0, 1) from sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state). The same integer seed always yields the same sequence.
 *
 * @example
 * const next = uniformSampler(42);
 * next(); // a number in [0, 1)
 */
export function uniformSampler(seed: number): () => number {
  // Expand the seed with splitmix32 so nearby seeds (1, 2, 3) start far apart in state.
  // The high word is mixed in too, so seeds beyond 32 bits are not truncated to equal ones.
  let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x9e3779b1);
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  // sfc32's authors discard the first outputs so the state is well mixed before use.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * A standard normal sampler (mean 0, variance 1) from the Box–Muller transform over
 * {@link uniformSampler}. Each transform yields two samples; the second is kept for the
 * next call, so no draw is wasted.
 *
 * @example
 * const z = normalSampler(7);
 * const shock = 0.01 * z();
 */
export function normalSampler(seed: number): () => number {
  const uniform = uniformSampler(seed);
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // 1 - u lies in (0, 1], so the logarithm is never -Infinity.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    hasSpare = true;
    return radius * Math.cos(angle);
  };
}
