/**
 * IEEE 754-2008 binary16 ("half", fp16): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; largest finite
 * 65504, smallest subnormal 2⁻²⁴. Little-endian on the wire, 2 bytes per value.
 */

/** Largest finite binary16 value. */
export const FP16_MAX = 65_504;

/** |x| bits (float32) from which round-to-nearest-even gives binary16 infinity: 65520, halfway to 2¹⁶. */
const OVERFLOW_BITS = 0x477ff000;
/** |x| bits (float32) of 2⁻¹⁴, the smallest normal binary16 value. */
const MIN_NORMAL_BITS = 0x38800000;
/** Float32 minus binary16 exponent bias (127 − 15), shifted to the float32 exponent field. */
const REBIAS = 112 << 23;

let table: Float32Array | null = null;

/** The float32 value of every binary16 bit pattern (65,536 entries, 256 KiB), built once on first use. */
export function fp16Table(): Float32Array {
  if (table) return table;
  table = new Float32Array(65_536);
  for (let h = 0; h < 65_536; h++) {
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    const magnitude =
      exponent === 0
        ? mantissa * 2 ** -24
        : exponent === 0x1f
          ? mantissa === 0
            ? Infinity
            : NaN
          : (1 + mantissa / 1024) * 2 ** (exponent - 15);
    table[h] = h & 0x8000 ? -magnitude : magnitude;
  }
  return table;
}

/** True when the binary16 pattern `h` is ±Infinity or NaN (exponent all ones). */
export function isFp16NonFinite(h: number): boolean {
  return (h & 0x7c00) === 0x7c00;
}

/** Binary16 bits of a float32 magnitude below 2⁻¹⁴: a subnormal (or 2⁻¹⁴ itself), rounded to nearest even. */
function subnormalBits(magnitude: number): number {
  const units = magnitude * 2 ** 24; // exact in float64: the binary16 subnormal step is 2⁻²⁴
  let r = Math.floor(units);
  const rest = units - r;
  if (rest > 0.5 || (rest === 0.5 && (r & 1) === 1)) r++;
  return r;
}

/**
 * Writes `src` as binary16 little-endian into `out` from byte `outOffset` (2·src.length bytes), rounding to nearest
 * even (F. Giesen's float_to_half_fast3_rtne bit trick for normal values).
 * @returns -1, or the index in `src` of the first value that has no finite binary16 (|x| ≥ 65520, ±Infinity, NaN);
 *   values from it on are not written.
 */
export function writeFp16(src: Float32Array, out: Uint8Array, outOffset: number): number {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  let p = outOffset;
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    const magnitude = x & 0x7fffffff;
    let h: number;
    if (magnitude >= MIN_NORMAL_BITS) {
      if (magnitude >= OVERFLOW_BITS) return i;
      // rebias the exponent and add 0x0fff (+1 when the kept mantissa is odd): rounds the 13 dropped bits to even
      h = (magnitude - REBIAS + 0x0fff + ((magnitude >>> 13) & 1)) >>> 13;
    } else {
      h = subnormalBits(Math.abs(src[i]!));
    }
    h |= (x >>> 16) & 0x8000;
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    p += 2;
  }
  return -1;
}

/**
 * Encodes float32 values as IEEE 754-2008 binary16, little-endian, rounding to nearest even: 2 bytes per value.
 * Used for the global model download (`downloadCodec: fp16`): absolute weights.
 * @param values n float32 values.
 * @returns 2n bytes.
 * @throws {RangeError} naming the first value that is NaN, ±Infinity or of magnitude ≥ 65520 (it would round to
 *   infinity; the largest finite binary16 is 65504).
 * @see IEEE 754-2008, §3.6 (binary16).
 */
export function encodeFp16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const bad = writeFp16(values, out, 0);
  if (bad >= 0) throw new RangeError(`fp16: value ${bad} (${values[bad]}) has no finite binary16 (max ±${FP16_MAX})`);
  return out;
}

/**
 * Decodes IEEE 754-2008 binary16 little-endian bytes into `out` (exact: every binary16 value is a float32), by a
 * 65,536-entry table. Any byte offset works (network chunks are unaligned). Infinity and NaN patterns decode as such;
 * the caller checks finiteness where it matters.
 * @param bytes 2·out.length bytes.
 * @param out n float32 values, overwritten.
 * @throws {RangeError} when bytes.length ≠ 2·out.length.
 */
export function decodeFp16Into(bytes: Uint8Array, out: Float32Array): void {
  if (bytes.length !== 2 * out.length) {
    throw new RangeError(`fp16: ${bytes.length} bytes cannot hold ${out.length} values (2 bytes each)`);
  }
  const t = fp16Table();
  for (let i = 0, p = 0; i < out.length; i++, p += 2) out[i] = t[bytes[p]! | (bytes[p + 1]! << 8)]!;
}
