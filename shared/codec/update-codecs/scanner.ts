/** DeltaScanner: checks and measures a compressed update while its bytes arrive, before anything is folded. */
import { InvalidUpdateError } from '../../errors/index.js';
import { fp16Table } from './fp16.js';
import { decodeInt8Block, int8Step, int8SumOfSquares, readCheckedScale } from './int8.js';
import { encodedByteRange, MAX_DECODED_BLOCK, type CodecSpec } from './spec.js';
import { TopkReader } from './topk-reader.js';

/** Receives decoded delta values δ̂: `values[0, count)`, a scratch view valid only during the call. */
export type DeltaVisitor = (values: Float32Array, count: number) => void;

type LossySpec = Exclude<CodecSpec, { kind: 'none' }>;

/**
 * Decodes the delta δ̂ of a lossy update (fp16, int8, topk) incrementally, over a buffer that fills front to back
 * (e.g. a ChunkAssembler's), checking every value and scale and summing Σδ̂² (for maxUpdateNorm: ‖x − g‖ = ‖δ̂‖).
 * Units are decoded whole: fp16 values, int8 blocks, top-k groups. Reads only bytes[0, upTo); work is linear in the
 * bytes however they are split; never loops on hostile input. Not for `none` (absolute weights, no delta).
 *
 * Call advance as bytes arrive, then finish once with the total. Not reusable.
 */
export class DeltaScanner {
  private consumed = 0;
  private decodedValues = 0;
  private sum = 0;
  private readonly totalBytes: number;
  private readonly reader: TopkReader | null;
  private scratch: Float32Array | null = null;

  /**
   * @param spec the update's codec (not `none`).
   * @param n parameters of the model.
   * @param nonzeros top-k: entries the update header declares (ignored by fp16 and int8).
   * @throws {RangeError} for `none` or an n that is not a non-negative integer.
   * @throws {InvalidUpdateError} when nonzeros is not an integer in [0, maxNonzeros(spec, n)].
   */
  constructor(
    readonly spec: CodecSpec,
    readonly n: number,
    nonzeros: number,
  ) {
    if (spec.kind === 'none') throw new RangeError('DeltaScanner: codec none sends absolute weights, not a delta');
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`DeltaScanner: n = ${n} is not a non-negative integer`);
    this.reader = spec.kind === 'topk' ? new TopkReader(spec, n, nonzeros) : null;
    this.totalBytes = spec.kind === 'topk' ? Infinity : encodedByteRange(spec, n, 0).min;
  }

  /** Bytes read so far: whole units, plus the index gaps of a top-k group whose values have not all arrived. */
  get consumedBytes(): number {
    return this.consumed;
  }

  /** Σ δ̂² (float64) over everything decoded so far; for int8 values Σq²·(s/127)², before float32 rounding of δ̂. */
  get sumOfSquares(): number {
    return this.sum;
  }

  /** True once every value (or top-k entry) has been decoded. */
  get complete(): boolean {
    return this.reader ? this.reader.done : this.decodedValues === this.n;
  }

  /**
   * Decodes and checks the whole units in bytes[consumedBytes, upTo), handing their δ̂ to `visit` if given.
   * @param bytes the update's buffer; bytes[0, upTo) have arrived and do not change any more.
   * @param upTo bytes arrived so far: consumedBytes ≤ upTo ≤ bytes.length, never smaller than at the last call.
   * @throws {RangeError} when upTo is out of that range (the caller's mistake).
   * @throws {InvalidUpdateError} on bytes past the end of the update, a NaN or infinite value or scale, a negative
   *   scale, an int8 −128, or malformed top-k indices (see TopkReader); the message names the value or entry and byte.
   */
  advance(bytes: Uint8Array, upTo: number, visit?: DeltaVisitor): void {
    if (!Number.isInteger(upTo) || upTo < this.consumed || upTo > bytes.length) {
      throw new RangeError(`DeltaScanner.advance: upTo ${upTo} is not in [${this.consumed}, ${bytes.length}]`);
    }
    if (upTo > this.totalBytes) this.trailing(upTo);
    const spec = this.spec as LossySpec;
    if (spec.kind === 'fp16') this.advanceFp16(bytes, upTo, visit);
    else if (spec.kind === 'int8') this.advanceInt8(bytes, upTo, spec.blockSize, visit);
    else this.advanceTopk(bytes, upTo, visit);
  }

  /**
   * Ends the scan.
   * @param totalBytes the update's size as received.
   * @throws {InvalidUpdateError} unless exactly totalBytes were consumed and every value or entry was decoded.
   */
  finish(totalBytes: number): void {
    if (totalBytes > this.consumed && this.complete) this.trailing(totalBytes);
    if (totalBytes !== this.consumed || !this.complete) {
      const unit = this.reader
        ? `${this.reader.entriesRead} of ${this.reader.nonzeros} top-k entries`
        : `${this.decodedValues} of ${this.n} values`;
      throw new InvalidUpdateError(
        `update ends at byte ${totalBytes} with ${unit} decoded from ${this.consumed} bytes`,
      );
    }
  }

  private trailing(upTo: number): never {
    throw new InvalidUpdateError(
      `update has bytes past its end: ${upTo} bytes, the encoded values end at byte ${
        Number.isFinite(this.totalBytes) ? this.totalBytes : this.consumed
      }`,
    );
  }

  private scratchFor(count: number): Float32Array {
    if (!this.scratch || this.scratch.length < count)
      this.scratch = new Float32Array(Math.min(this.n, MAX_DECODED_BLOCK));
    return this.scratch;
  }

  private advanceFp16(bytes: Uint8Array, upTo: number, visit?: DeltaVisitor): void {
    const table = fp16Table();
    const available = Math.min(this.n - this.decodedValues, (upTo - this.consumed) >>> 1);
    for (let done = 0; done < available;) {
      const count = Math.min(MAX_DECODED_BLOCK, available - done);
      const out = this.scratchFor(count);
      let p = this.consumed;
      let sum = this.sum; // summed value by value, so that how the bytes are split cannot change the result
      for (let j = 0; j < count; j++, p += 2) {
        const v = table[bytes[p]! | (bytes[p + 1]! << 8)]!;
        out[j] = v;
        sum += v * v; // NaN or ±Infinity here, and only then: |v| ≤ 65504
      }
      if (!Number.isFinite(sum)) {
        const j = out.subarray(0, count).findIndex((v) => !Number.isFinite(v));
        const at = this.consumed + 2 * j;
        throw new InvalidUpdateError(`fp16 value ${this.decodedValues + j} (byte ${at}): ${out[j]} is not finite`);
      }
      visit?.(out, count);
      this.sum = sum;
      this.decodedValues += count;
      this.consumed += 2 * count;
      done += count;
    }
  }

  private advanceInt8(bytes: Uint8Array, upTo: number, blockSize: number, visit?: DeltaVisitor): void {
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (this.decodedValues < this.n) {
      const count = Math.min(blockSize, this.n - this.decodedValues);
      if (upTo - this.consumed < 4 + count) return;
      const block = this.decodedValues / blockSize;
      const step = int8Step(readCheckedScale(view, this.consumed, 'int8 block', block));
      this.sum += int8SumOfSquares(q, this.consumed + 4, count, 'int8 block', block) * step * step;
      if (visit) {
        const out = this.scratchFor(count);
        decodeInt8Block(q, this.consumed + 4, count, step, out);
        visit(out, count);
      }
      this.decodedValues += count;
      this.consumed += 4 + count;
    }
  }

  private advanceTopk(bytes: Uint8Array, upTo: number, visit?: DeltaVisitor): void {
    const reader = this.reader!;
    while (reader.readGroup(bytes, upTo)) {
      this.sum += reader.groupSumOfSquares;
      visit?.(reader.values, reader.count);
    }
    this.consumed = reader.pos;
    if (reader.done && upTo > reader.pos) this.trailing(upTo);
  }
}
