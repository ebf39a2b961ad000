import { createRng } from '../../shared/random/index.js';

/**
 * A seeded stand-in for secureRandomBytes (differential privacy's noise source): the same seed gives the same bytes,
 * so a test can draw the noise a strategy adds a second time and compare.
 */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  const rng = createRng(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256);
    return out;
  };
}
