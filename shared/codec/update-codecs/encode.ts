/** encodeUpdate: one entry point for every codec, on the client. */
import { float32ToBytes } from '../tensor-codec.js';
import { deltaInto } from './delta.js';
import { FP16_MAX, writeFp16 } from './fp16.js';
import { writeInt8Block } from './int8.js';
import { int8Bytes, MAX_DECODED_BLOCK, type CodecSpec } from './spec.js';
import { encodeTopk, type EncodedUpdate } from './topk-encode.js';

function encodeFp16Delta(w: Float32Array, g: Float32Array): Uint8Array {
  const n = w.length;
  const out = new Uint8Array(2 * n);
  const scratch = new Float32Array(Math.min(n, MAX_DECODED_BLOCK));
  for (let from = 0; from < n; from += MAX_DECODED_BLOCK) {
    const delta = scratch.subarray(0, Math.min(MAX_DECODED_BLOCK, n - from));
    deltaInto(w, g, from, delta);
    const bad = writeFp16(delta, out, 2 * from);
    if (bad >= 0) {
      throw new RangeError(`fp16: delta ${from + bad} = ${delta[bad]} is beyond the binary16 range (±${FP16_MAX})`);
    }
  }
  return out;
}

function encodeInt8Delta(w: Float32Array, g: Float32Array, blockSize: number): Uint8Array {
  const n = w.length;
  const out = new Uint8Array(int8Bytes(n, blockSize));
  const slice = Math.floor(MAX_DECODED_BLOCK / blockSize) * blockSize;
  const scratch = new Float32Array(Math.min(n, slice));
  const view = new DataView(out.buffer);
  for (let from = 0; from < n; from += slice) {
    const delta = scratch.subarray(0, Math.min(slice, n - from));
    deltaInto(w, g, from, delta);
    for (let b = 0; b < delta.length; b += blockSize) {
      const offset = ((from + b) / blockSize) * (blockSize + 4);
      writeInt8Block(delta, b, Math.min(blockSize, delta.length - b), out, view, offset);
    }
  }
  return out;
}

/**
 * Encodes a client's update for the wire.
 * - `none`: w as float32 LE, 4n bytes (a view of w's memory on little-endian hosts: do not change w while it is sent).
 * - `fp16`: δ = fround(w − g) as IEEE 754-2008 binary16 LE, rounded to nearest even; 2n bytes.
 * - `int8` (block B): for each block b of δ (values [bB, min(n, (b+1)B)), the last one shorter): s_b = max|δ_i| as
 *   float32 LE, then q_i = round(δ_i·127/s_b) as int8 (all 0 when s_b = 0); n + 4⌈n/B⌉ bytes. Dettmers et al. 2022.
 * - `topk`: see encodeTopk (error feedback; Stich et al. 2018, Aji & Heafield 2017, Lin et al. 2018).
 * @param w n weights after local training (float32).
 * @param g n weights of the global model the client trained from, as it decoded it (unused by `none`).
 * @param residual top-k only: the residual from the previous round (n values, overwritten and returned).
 * @throws {RangeError} when w and g differ in length; for the lossy codecs, naming the first index where δ is not
 *   finite; for fp16, naming a delta of magnitude ≥ 65520 (it would round to infinity).
 */
export function encodeUpdate(
  spec: CodecSpec,
  w: Float32Array,
  g: Float32Array,
  residual?: Float32Array,
): EncodedUpdate {
  if (w.length !== g.length) throw new RangeError(`update has ${w.length} values, the global model ${g.length}`);
  switch (spec.kind) {
    case 'none':
      return { bytes: float32ToBytes(w), nonzeros: w.length, residual: null };
    case 'fp16':
      return { bytes: encodeFp16Delta(w, g), nonzeros: w.length, residual: null };
    case 'int8':
      return { bytes: encodeInt8Delta(w, g, spec.blockSize), nonzeros: w.length, residual: null };
    case 'topk':
      return encodeTopk(spec, w, g, residual);
  }
}
