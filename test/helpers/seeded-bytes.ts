import { createRng } from '../../shared/random/index.js';

/**
 * A seeded stand-in for secureRandomBytes: `n` bytes at a time from a seeded stream, the same seed giving the same
 * bytes — so a test can draw the noise a strategy adds a second time and compare, or make SecAgg+ key material
 * deterministic (never for real keys).
 */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  const rng = createRng(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256);
    return out;
  };
}
