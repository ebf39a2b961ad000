import { randomBytes } from 'node:crypto';

/** A source of uniform random bytes: `n` fresh bytes per call. */
export type RandomBytes = (n: number) => Uint8Array;

/** Cryptographically secure bytes from the operating system (`node:crypto` randomBytes). */
export const secureRandomBytes: RandomBytes = (n) => randomBytes(n);

/** Bytes drawn from the source at a time (7 bytes per 53-bit uniform, two uniforms per pair of normals). */
const CHUNK_PAIRS = 4096;

/** A uniform in (0, 1] from 7 bytes at `at`: the top 53 bits, plus one ulp so that log never sees 0. */
function uniform53(bytes: Uint8Array, at: number): number {
  let hi = 0;
  for (let i = 0; i < 3; i++) hi = hi * 256 + bytes[at + i]!; // 24 bits
  let lo = 0;
  for (let i = 3; i < 7; i++) lo = lo * 256 + bytes[at + i]!; // 32 bits
  const bits53 = hi * 2 ** 29 + Math.floor(lo / 8); // 24 + 29 bits
  return (bits53 + 1) / 2 ** 53;
}

/**
 * Adds i.i.d. N(0, stddev²) noise to every value in place (Box–Muller in float64 over 53-bit uniforms from `random`).
 * With the default source the noise is cryptographically unpredictable; a seeded source (tests) makes it repeatable.
 * Caveat: floating-point samplers leak through the low bits of their output (Mironov 2012, "On Significance of the
 * Least Significant Bits for Differential Privacy"); adding the noise to float32 values rounds those bits away, which
 * narrows but does not formally close that channel.
 * @param values a vector of any length, changed in place. @param stddev σ·C ≥ 0 in the values' units (0 = unchanged).
 * @param random the byte source (default secureRandomBytes).
 * @throws {RangeError} when stddev is negative or not finite.
 * @see Box & Muller 1958, "A Note on the Generation of Random Normal Deviates".
 */
export function addGaussianNoise(
  values: Float32Array | Float64Array,
  stddev: number,
  random: RandomBytes = secureRandomBytes,
): void {
  if (!(stddev >= 0) || !Number.isFinite(stddev)) throw new RangeError(`noise stddev ${stddev} is not finite and ≥ 0`);
  if (stddev === 0) return;
  for (let start = 0; start < values.length; start += 2 * CHUNK_PAIRS) {
    const pairs = Math.min(CHUNK_PAIRS, Math.ceil((values.length - start) / 2));
    const bytes = random(14 * pairs);
    if (bytes.length < 14 * pairs)
      throw new RangeError(`random source gave ${bytes.length} bytes, ${14 * pairs} asked`);
    for (let p = 0; p < pairs; p++) {
      const radius = stddev * Math.sqrt(-2 * Math.log(uniform53(bytes, 14 * p)));
      const angle = 2 * Math.PI * uniform53(bytes, 14 * p + 7);
      const i = start + 2 * p;
      values[i] = values[i]! + radius * Math.cos(angle);
      if (i + 1 < values.length) values[i + 1] = values[i + 1]! + radius * Math.sin(angle);
    }
  }
}
