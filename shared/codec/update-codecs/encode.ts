/** encodeUpdate: one entry point for every codec, on the client. */
import { float32ToBytes } from '../tensor-codec.js';
import { deltaInto, nonFiniteDelta } from './delta.js';
import { FP16_MAX, writeFp16 } from './fp16.js';
import { writeInt8DeltaBlock } from './int8.js';
import { int8Bytes, MAX_DECODED_BLOCK, type CodecSpec, type EncodedUpdate } from './spec.js';
import { encodeTopk } from './topk-encode.js';

type DenseSpec = Extract<CodecSpec, { kind: 'fp16' | 'int8' }>;

/**
 * δ = w − g of a dense lossy codec written front to back on demand: `encodeTo(end)` writes whole units (fp16 values,
 * int8 blocks) until bytes[0, end) are done, so a sender can encode the next chunk while the last one is on the wire.
 */
class DenseEncoding {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Values encoded so far. */
  private done = 0;
  private scratch: Float32Array | undefined;

  constructor(
    private readonly spec: DenseSpec,
    private readonly w: Float32Array,
    private readonly g: Float32Array,
  ) {
    this.bytes = new Uint8Array(spec.kind === 'fp16' ? 2 * w.length : int8Bytes(w.length, spec.blockSize));
    this.view = new DataView(this.bytes.buffer);
  }

  encodeTo(end: number): void {
    const n = this.w.length;
    if (this.spec.kind === 'fp16') this.fp16To(Math.min(n, Math.ceil(end / 2)));
    else this.int8To(Math.min(n, Math.ceil(end / (this.spec.blockSize + 4)) * this.spec.blockSize));
  }

  private fp16To(to: number): void {
    const { w, g } = this;
    this.scratch ??= new Float32Array(Math.min(w.length, MAX_DECODED_BLOCK));
    for (let from = this.done; from < to; from += MAX_DECODED_BLOCK) {
      const delta = this.scratch.subarray(0, Math.min(MAX_DECODED_BLOCK, to - from));
      deltaInto(w, g, from, delta);
      const bad = writeFp16(delta, this.bytes, 2 * from);
      if (bad >= 0) {
        throw new RangeError(`fp16: delta ${from + bad} = ${delta[bad]} is beyond the binary16 range (±${FP16_MAX})`);
      }
    }
    this.done = Math.max(this.done, to);
  }

  private int8To(to: number): void {
    const { w, g, bytes, view } = this;
    const B = (this.spec as Extract<DenseSpec, { kind: 'int8' }>).blockSize;
    for (let from = this.done, offset = (from / B) * (B + 4); from < to; from += B, offset += B + 4) {
      const end = Math.min(w.length, from + B);
      if (!writeInt8DeltaBlock(w, g, from, end, bytes, view, offset)) throw nonFiniteDelta(w, g, from, end);
      this.done = end;
    }
  }
}

/** An update whose bytes are written as they are asked for (see encodeUpdateLazily). */
export interface LazyEncodedUpdate extends EncodedUpdate {
  /**
   * Writes the payload's bytes[0, end) unless done already (a dense lossy codec encodes whole units, possibly a few
   * bytes more; `none` and top-k are complete from the start).
   * @throws {RangeError} as encodeUpdate, for a value in the part it encodes.
   */
  encodeTo(end: number): void;
}

/**
 * encodeUpdate, except that fp16 and int8 payloads are encoded as `encodeTo` asks for their bytes: a sender that calls
 * it for each chunk before sending that chunk overlaps encoding with the transfer. Until the whole payload is encoded,
 * `w` and `g` must not change. The bytes are those encodeUpdate gives.
 */
export function encodeUpdateLazily(
  spec: CodecSpec,
  w: Float32Array,
  g: Float32Array,
  residual?: Float32Array,
): LazyEncodedUpdate {
  if (w.length !== g.length) throw new RangeError(`update has ${w.length} values, the global model ${g.length}`);
  switch (spec.kind) {
    case 'none':
      return { bytes: float32ToBytes(w), nonzeros: w.length, residual: null, encodeTo: () => undefined };
    case 'topk':
      return { ...encodeTopk(spec, w, g, residual), encodeTo: () => undefined };
    default: {
      const dense = new DenseEncoding(spec, w, g);
      return { bytes: dense.bytes, nonzeros: w.length, residual: null, encodeTo: (end) => dense.encodeTo(end) };
    }
  }
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
  const { encodeTo, ...encoded } = encodeUpdateLazily(spec, w, g, residual);
  encodeTo(encoded.bytes.length);
  return encoded;
}
