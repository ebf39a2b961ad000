/** foldDecoded: one running-mean step over a compressed update, decoding while it folds. */
import { checkDenseSize, forEachDecodedBlock } from './blocks.js';
import { fp16Table } from './fp16.js';
import { int8Step, readCheckedScale } from './int8.js';
import type { CodecSpec } from './spec.js';

/**
 * One running-mean step over dense values: mean[offset + i] ← mean + r·(x_i − mean) for every value x_i of `x`, and
 * mean = x when r = 1 (the first update, whatever `mean` held). The step of foldDecoded over a decoded block, and of
 * RunningWeightedMean (coordinator/strategies) over a dense update.
 * @param r the update's share of the weight so far, w / Σw, in (0, 1].
 */
export function foldValues(mean: Float32Array, offset: number, x: Float32Array, r: number): void {
  if (r === 1) return mean.set(x, offset);
  for (let i = 0, j = offset; i < x.length; i++, j++) mean[j] = mean[j]! + r * (x[i]! - mean[j]!);
}

/** The step over one int8 block: x_i = fround(g_i + q_p·step), i in [from, end), p from `p` on. */
function foldInt8Block(
  q: Int8Array,
  p: number,
  step: number,
  g: Float32Array,
  mean: Float32Array,
  from: number,
  end: number,
  r: number,
): void {
  if (r === 1) {
    for (let i = from; i < end; i++, p++) mean[i] = g[i]! + q[p]! * step;
    return;
  }
  for (let i = from; i < end; i++, p++) mean[i] = mean[i]! + r * (Math.fround(g[i]! + q[p]! * step) - mean[i]!);
}

function foldInt8(bytes: Uint8Array, g: Float32Array, B: number, mean: Float32Array, r: number): void {
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let from = 0, offset = 0; from < g.length; from += B, offset += B + 4) {
    const step = int8Step(readCheckedScale(view, offset, 'int8 block', from / B));
    foldInt8Block(q, offset + 4, step, g, mean, from, Math.min(g.length, from + B), r);
  }
}

/** The step over fp16 deltas: x_i = fround(g_i + half_i), the half's value by table. */
function foldFp16(bytes: Uint8Array, g: Float32Array, mean: Float32Array, r: number): void {
  const table = fp16Table();
  if (r === 1) {
    for (let i = 0, p = 0; i < g.length; i++, p += 2) mean[i] = g[i]! + table[bytes[p]! | (bytes[p + 1]! << 8)]!;
    return;
  }
  for (let i = 0, p = 0; i < g.length; i++, p += 2) {
    mean[i] = mean[i]! + r * (Math.fround(g[i]! + table[bytes[p]! | (bytes[p + 1]! << 8)]!) - mean[i]!);
  }
}

/**
 * One step of the running weighted mean over an update's absolute values x (as forEachDecodedBlock hands them over:
 * x_i = fround(g_i + δ̂_i); for `none`, the weights sent): mean_i ← mean_i + r·(x_i − mean_i) for every i, and
 * mean = x when r = 1. Bit for bit the result of folding forEachDecodedBlock's blocks with that step, but int8 and
 * fp16 updates are decoded inside the fold loop (one pass over the bytes, g and mean; no block copies).
 * Structure checks and errors as forEachDecodedBlock (it checks no decoded value: scan the bytes first).
 * @param spec the update's codec.
 * @param bytes the whole payload.
 * @param nonzeros top-k: entries the update header declares.
 * @param g n float32 values of the global model the delta is against.
 * @param mean n float32 values, updated in place.
 * @param r the new update's share of the weight, w / Σw, in (0, 1].
 * @throws {RangeError} when g or mean is not n long.
 * @throws {InvalidUpdateError} when the bytes do not have the codec's size, or a scale or top-k entry is malformed.
 * @see foldValues, the step over dense values.
 */
export function foldDecoded(
  spec: CodecSpec,
  bytes: Uint8Array,
  n: number,
  nonzeros: number,
  g: Float32Array,
  mean: Float32Array,
  r: number,
): void {
  if (g.length !== n || mean.length !== n) {
    throw new RangeError(`foldDecoded: g has ${g.length} values, mean ${mean.length}, n = ${n}`);
  }
  if (spec.kind === 'none' || spec.kind === 'topk') {
    return forEachDecodedBlock(spec, bytes, n, nonzeros, g, (offset, x) => foldValues(mean, offset, x, r));
  }
  checkDenseSize(spec, bytes, n);
  if (spec.kind === 'fp16') foldFp16(bytes, g, mean, r);
  else foldInt8(bytes, g, spec.blockSize, mean, r);
}
