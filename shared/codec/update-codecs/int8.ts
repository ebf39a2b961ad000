/**
 * Blockwise absmax int8 quantisation (Dettmers, Lewis, Shleifer, Zettlemoyer 2022, "8-bit Optimizers via Block-wise
 * Quantization", §2, linear variant): a block of values travels as its scale s = max|x| (float32 little-endian, 4
 * bytes) followed by q_i = round(x_i / s · 127) as int8, one byte each; x̂_i = q_i · s/127, so |x_i − x̂_i| ≤ s/254
 * (plus float32 rounding of x̂_i). The encoder writes q in [−127, 127]; −128 is malformed.
 */
import { InvalidUpdateError } from '../../errors/index.js';

/** Largest |q|: values map onto [−127, 127]. */
export const INT8_LEVELS = 127;

/** The decode multiplier of a block: s/127 (float64), x̂ = q · step. Encoder and decoders share it, so they agree bit for bit. */
export function int8Step(scale: number): number {
  return scale / INT8_LEVELS;
}

/**
 * Writes one int8 block: the scale of `values[from, from+count)` at `out[offset, offset+4)` (float32 LE) and their q
 * values after it (count bytes). `view` is a DataView of all of `out`.
 * @param values finite float32 values (the caller checks finiteness).
 * @returns the scale s = max |values_i| (0 for an all-zero block, whose q are all 0).
 */
export function writeInt8Block(
  values: Float32Array,
  from: number,
  count: number,
  out: Uint8Array,
  view: DataView,
  offset: number,
): number {
  const end = from + count;
  let scale = 0;
  for (let i = from; i < end; i++) {
    const a = Math.abs(values[i]!);
    scale = a > scale ? a : scale;
  }
  if (writeScale(scale, count, out, view, offset)) {
    const inverse = INT8_LEVELS / scale;
    const shift = offset + 4 - from;
    for (let i = from; i < end; i++) out[shift + i] = quantised(values[i]!, inverse);
  }
  return scale;
}

/**
 * Writes a block's scale at `out[offset, offset+4)` (float32 LE); for an all-zero block (scale 0) also its `count` q
 * values, all 0. @returns whether the q values are still to be written (scale > 0).
 */
function writeScale(scale: number, count: number, out: Uint8Array, view: DataView, offset: number): boolean {
  view.setFloat32(offset, scale, true);
  if (scale !== 0) return true;
  out.fill(0, offset + 4, offset + 4 + count);
  return false;
}

/**
 * round(x·inverse) as a two's complement byte (−128 ≡ +128 mod 256). Rounds half up: floor(y + 128.5) − 128 for
 * y = x·inverse in [−127, 127], which is Math.round without its slow path; as y + 128.5 is ≥ 1.5, `| 0` floors it.
 */
function quantised(x: number, inverse: number): number {
  return ((x * inverse + 128.5) | 0) + 128;
}

/**
 * Writes one int8 block of the delta δ_i = fround(w_i − g_i), i in [from, end), at `out[offset, …)`: the same bytes as
 * writeInt8Block over those deltas, without a scratch copy of them (one pass for the scale, one to quantise).
 * @param view a DataView of all of `out`.
 * @returns false, having written nothing of use, when some δ_i is NaN or ±Infinity (the caller names it).
 */
export function writeInt8DeltaBlock(
  w: Float32Array,
  g: Float32Array,
  from: number,
  end: number,
  out: Uint8Array,
  view: DataView,
  offset: number,
): boolean {
  let scale = 0;
  let check = 0; // stays 0 unless some δ is NaN or ±Infinity (x·0 is NaN for those)
  for (let i = from; i < end; i++) {
    const d = Math.fround(w[i]! - g[i]!);
    check += d * 0;
    scale = Math.max(scale, Math.abs(d));
  }
  if (check !== 0) return false;
  if (writeScale(scale, end - from, out, view, offset)) {
    const inverse = INT8_LEVELS / scale;
    const shift = offset + 4 - from;
    for (let i = from; i < end; i++) out[shift + i] = quantised(Math.fround(w[i]! - g[i]!), inverse);
  }
  return true;
}

/**
 * Decodes `count` int8 values from `q[from, from+count)` with multiplier `step` into `out[0, count)`:
 * out_i = fround(q_i · step).
 */
export function decodeInt8Block(q: Int8Array, from: number, count: number, step: number, out: Float32Array): void {
  for (let i = 0; i < count; i++) out[i] = q[from + i]! * step;
}

/**
 * out[i] += q[qi]·step for i in [from, from + count), qi from `qFrom` on: a decoded int8 block added (one float32
 * rounding) onto the global model's values already in `out`. A function of its own: V8 compiles this loop far
 * better alone than inside the block loop.
 */
export function addInt8Block(
  q: Int8Array,
  qFrom: number,
  count: number,
  step: number,
  out: Float32Array,
  from: number,
) {
  const end = from + count;
  for (let i = from, p = qFrom; i < end; i++, p++) out[i] = out[i]! + q[p]! * step;
}

/**
 * Reads and checks the float32 LE block scale at byte `offset` of `view` (a DataView of the whole payload).
 * @param unit and `block` name the block in the error message: "int8 block 3".
 * @throws {InvalidUpdateError} when the scale is NaN, infinite or negative.
 */
export function readCheckedScale(view: DataView, offset: number, unit: string, block: number): number {
  const scale = view.getFloat32(offset, true);
  if (!(scale >= 0 && scale <= 3.4028234663852886e38)) {
    throw new InvalidUpdateError(`${unit} ${block} (byte ${offset}): scale ${scale} is not a finite number ≥ 0`);
  }
  return scale;
}

/**
 * Σ q_i² over `q[from, from+count)` (exact: integers), after checking that no q is −128.
 * @param q int8 view of the whole payload (index = byte offset).
 * @param unit and `block` name the block in the error message.
 * @throws {InvalidUpdateError} naming the byte of the first −128.
 */
export function int8SumOfSquares(q: Int8Array, from: number, count: number, unit: string, block: number): number {
  let sum = 0;
  let min = 0;
  for (let i = from; i < from + count; i++) {
    const v = q[i]!;
    sum += v * v;
    min = v < min ? v : min;
  }
  if (min < -INT8_LEVELS) {
    const at = q.subarray(from, from + count).indexOf(-128) + from;
    throw new InvalidUpdateError(`${unit} ${block} (byte ${at}): value −128 is outside [−127, 127]`);
  }
  return sum;
}
