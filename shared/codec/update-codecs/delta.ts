/** The delta δ = w − g that the lossy codecs send, computed in float32 slices with one finiteness check per slice. */

function nonFinite(i: number, w: Float32Array, g: Float32Array, what: string): RangeError {
  return new RangeError(`update value ${i}: ${what} is not finite (w = ${w[i]}, g = ${g[i]})`);
}

/**
 * out[j] = fround(w[from+j] − g[from+j]) for j in [0, out.length).
 * @throws {RangeError} naming the first index where w, g or their difference (in float32) is NaN or ±Infinity.
 */
export function deltaInto(w: Float32Array, g: Float32Array, from: number, out: Float32Array): void {
  let check = 0; // stays 0 unless some δ is NaN or ±Infinity (x·0 is NaN for those)
  for (let j = 0; j < out.length; j++) {
    out[j] = w[from + j]! - g[from + j]!;
    check += out[j]! * 0;
  }
  if (check !== 0) throw nonFiniteDelta(w, g, from, from + out.length);
}

/**
 * The error for the first i in [from, end) where fround(w[i] − g[i]) is NaN or ±Infinity (the caller found one there).
 */
export function nonFiniteDelta(w: Float32Array, g: Float32Array, from: number, end: number): RangeError {
  let i = from;
  while (i < end - 1 && Number.isFinite(Math.fround(w[i]! - g[i]!))) i++;
  return nonFinite(i, w, g, `w − g = ${Math.fround(w[i]! - g[i]!)}`);
}

/**
 * acc[i] = fround(fround(w[i] − g[i]) + acc[i]) for every i: the delta plus the error-feedback residual, in place.
 * @throws {RangeError} naming the first index where the sum (in float32) is NaN or ±Infinity.
 */
export function addDeltaInPlace(w: Float32Array, g: Float32Array, acc: Float32Array): void {
  let check = 0;
  for (let i = 0; i < acc.length; i++) {
    acc[i] = Math.fround(w[i]! - g[i]!) + acc[i]!;
    check += acc[i]! * 0;
  }
  if (check !== 0) {
    const i = acc.findIndex((v) => !Number.isFinite(v));
    throw nonFinite(i, w, g, `w − g + residual = ${acc[i]}`);
  }
}
