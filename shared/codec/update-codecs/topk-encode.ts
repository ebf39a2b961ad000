/**
 * Top-k sparsification with error feedback: the client adds the residual it did not send last round to this round's
 * delta, sends the k entries of largest magnitude and keeps the rest (and the quantisation error of what it sent) as
 * the next residual. Stich, Cordonnier, Jaggi 2018, "Sparsified SGD with Memory" (Alg. 1, memory m); Aji & Heafield
 * 2017, "Sparse Communication for Distributed Gradient Descent"; Lin et al. 2018, "Deep Gradient Compression".
 */
import { addDeltaInPlace } from './delta.js';
import { decodeInt8Block, int8Step, writeInt8Block } from './int8.js';
import { encodedByteRange, maxNonzeros, topkGroupSize, varintLength, type CodecSpec } from './spec.js';
import { selectTopK } from './topk-select.js';

/** An update as it goes on the wire. */
export interface EncodedUpdate {
  /** The payload (see encodeUpdate for the layout of each codec). */
  readonly bytes: Uint8Array;
  /** Entries sent: k for top-k (the UpdateHeader's `nonzeros`), n for the dense codecs. */
  readonly nonzeros: number;
  /** Top-k only: what was not sent, to pass back into the next round's encodeUpdate; null for the other codecs. */
  readonly residual: Float32Array | null;
}

function writeVarint(out: Uint8Array, p: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[p++] = v;
  return p;
}

/**
 * Encodes a top-k update with error feedback. a_i = fround(fround(w_i − g_i) + residual_i); the k =
 * maxNonzeros(spec, n) entries of largest |a_i| (ties: lower index) go out in ascending index order, in groups of G
 * (the int8 block, or 256 for float32 values): G LEB128 index gaps, then G float32 LE values or one int8 block.
 * Afterwards residual_i = a_i − decode(sent)_i: a_i where nothing was sent, 0 where a float32 value was sent, and
 * fround(a_i − q_i·s/127) for an int8 value.
 * @param w n weights after local training (float32).
 * @param g n weights of the global model the client trained from.
 * @param residual n values carried from the previous round, overwritten with the new residual and returned; a new
 *   zero-filled array when absent (the first round).
 * @throws {RangeError} on lengths that differ, or naming an index where w − g + residual is not finite.
 */
export function encodeTopk(
  spec: Extract<CodecSpec, { kind: 'topk' }>,
  w: Float32Array,
  g: Float32Array,
  residual?: Float32Array,
): EncodedUpdate {
  const n = w.length;
  const a = residual ?? new Float32Array(n);
  if (a.length !== n) throw new RangeError(`top-k: residual has ${a.length} values, the update ${n}`);
  addDeltaInPlace(w, g, a);
  const k = maxNonzeros(spec, n);
  const indices = selectTopK(a, k);
  let gapBytes = 0;
  for (let j = 0, prev = -1; j < k; prev = indices[j++]!) gapBytes += varintLength(indices[j]! - prev);
  const { min } = encodedByteRange(spec, n, k); // k one-byte gaps + the values
  const out = new Uint8Array(min - k + gapBytes);
  const groupSize = topkGroupSize(spec);
  const values = new Float32Array(Math.min(groupSize, k));
  const view = new DataView(out.buffer);
  const q = new Int8Array(out.buffer);
  let p = 0;
  for (let start = 0; start < k; start += groupSize) {
    const count = Math.min(groupSize, k - start);
    for (let j = 0; j < count; j++) {
      const index = indices[start + j]!;
      p = writeVarint(out, p, index - (start + j === 0 ? -1 : indices[start + j - 1]!));
      values[j] = a[index]!;
    }
    if (spec.int8BlockSize === null) {
      for (let j = 0; j < count; j++, p += 4) view.setFloat32(p, values[j]!, true);
      for (let j = 0; j < count; j++) a[indices[start + j]!] = 0;
    } else {
      const step = int8Step(writeInt8Block(values, 0, count, out, view, p));
      decodeInt8Block(q, p + 4, count, step, values); // exactly what the coordinator will decode
      for (let j = 0; j < count; j++) {
        const index = indices[start + j]!;
        a[index] = a[index]! - values[j]!;
      }
      p += 4 + count;
    }
  }
  return { bytes: out, nonzeros: k, residual: a };
}
