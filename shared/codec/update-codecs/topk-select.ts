/**
 * Top-k selection by magnitude in O(n) without sorting or copying: a radix select on the float32 bit patterns. For
 * values of one sign, the bit patterns as unsigned integers are ordered as the values are, so |x| orders as
 * (bits & 0x7fffffff). Three histogram passes (bits 30–20, 19–8, 7–0) find the exact k-th largest key; a last pass
 * takes every larger key and the first ones equal to it.
 */

/** [shift, width] of each radix level, most significant first; the widths cover bits 30..0. */
const LEVELS: readonly (readonly [number, number])[] = [
  [20, 11],
  [8, 12],
  [0, 8],
];

/**
 * Indices of the k entries of `a` with the largest |a_i|, in ascending index order; among equal magnitudes the lower
 * indices win. ±0 tie at 0. O(n) time (four passes over `a`), O(k) memory.
 * @param a n finite float32 values (NaN would rank above +Infinity).
 * @param k 0 ≤ k ≤ n.
 * @returns k indices, strictly increasing.
 * @throws {RangeError} when k is not an integer in [0, n].
 */
export function selectTopK(a: Float32Array, k: number): Int32Array {
  const n = a.length;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`top-k: k = ${k} is not an integer in [0, ${n}]`);
  const out = new Int32Array(k);
  if (k === 0) return out;
  const bits = new Uint32Array(a.buffer, a.byteOffset, n);
  let prefix = 0; // the high bits of the k-th largest key found so far
  let mask = 0; // which bits of prefix are known
  let rank = k; // the k-th largest key is the rank-th largest among the keys that share prefix
  for (const [shift, width] of LEVELS) {
    const top = (1 << width) - 1;
    const hist = new Uint32Array(top + 1);
    for (let i = 0; i < n; i++) {
      const key = bits[i]! & 0x7fffffff;
      if ((key & mask) === prefix) hist[(key >>> shift) & top]!++;
    }
    let bucket = top;
    while (hist[bucket]! < rank) rank -= hist[bucket--]!;
    prefix |= bucket << shift;
    mask |= top << shift;
  }
  // prefix is now the k-th largest key itself; rank says how many keys equal to it belong to the k
  let ties = rank;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const key = bits[i]! & 0x7fffffff;
    if (key > prefix) out[j++] = i;
    else if (key === prefix && ties > 0) {
      out[j++] = i;
      ties--;
    }
  }
  return out;
}
