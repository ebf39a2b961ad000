/**
 * Incremental reader of a top-k payload: groups of G index gaps (LEB128 varints, idx_j − idx_{j−1} with idx_{−1} = −1)
 * followed by the group's G values (float32 LE each, or an int8 block: scale float32 LE + G int8). Reads from a
 * buffer that fills front to back; keeps its place inside a group, so feeding it byte by byte costs O(bytes) in all.
 */
import { InvalidUpdateError } from '../../errors/index.js';
import { decodeInt8Block, int8Step, int8SumOfSquares, readCheckedScale } from './int8.js';
import { maxNonzeros, topkGroupSize, type CodecSpec } from './spec.js';

/** Longest varint accepted: 5 bytes hold 35 bits, more than any index gap (< 2³²). */
const MAX_VARINT_BYTES = 5;

/**
 * Reads one top-k group at a time. After readGroup returns true, `indices[0, count)` (ascending) and
 * `values[0, count)` (the decoded delta values δ̂) describe the group, until the next call.
 */
export class TopkReader {
  /** Indices of the last group read (first `count` entries). */
  readonly indices: Int32Array;
  /** Decoded values of the last group read (first `count` entries): float32 as sent, or q·s/127. */
  readonly values: Float32Array;
  /** Entries in the last group read. */
  count = 0;
  /** Σ δ̂² of the last group read (float64; for int8 values Σq²·(s/127)², before float32 rounding of δ̂). */
  groupSumOfSquares = 0;
  /** Byte offset of the first byte not yet consumed. */
  pos = 0;
  private entries = 0;
  private gapsRead = 0;
  private last = -1;
  private readonly groupSize: number;
  private readonly int8: boolean;

  /**
   * @param spec a top-k spec.
   * @param n parameters of the model (every index < n).
   * @param nonzeros entries the payload holds, as its header declares.
   * @throws {InvalidUpdateError} when nonzeros is not an integer in [0, maxNonzeros(spec, n)].
   */
  constructor(
    spec: Extract<CodecSpec, { kind: 'topk' }>,
    readonly n: number,
    readonly nonzeros: number,
  ) {
    const most = maxNonzeros(spec, n);
    if (!(Number.isSafeInteger(nonzeros) && nonzeros >= 0 && nonzeros <= most)) {
      throw new InvalidUpdateError(`top-k update declares ${nonzeros} entries; ${n} parameters allow 0 to ${most}`);
    }
    this.groupSize = topkGroupSize(spec);
    this.int8 = spec.int8BlockSize !== null;
    this.indices = new Int32Array(Math.min(this.groupSize, nonzeros));
    this.values = new Float32Array(this.indices.length);
  }

  /** Entries read in whole groups so far. */
  get entriesRead(): number {
    return this.entries;
  }

  /** True once all `nonzeros` entries have been read. */
  get done(): boolean {
    return this.entries === this.nonzeros;
  }

  /** Entries in the group being read. */
  private groupLength(): number {
    return Math.min(this.groupSize, this.nonzeros - this.entries);
  }

  /**
   * Reads the next group from `bytes[pos, upTo)`.
   * @returns true when a whole group was read; false when the bytes end inside it (read again with more bytes) or
   *   all entries were read already.
   * @throws {InvalidUpdateError} on a gap of 0, an index ≥ n, a varint over 5 bytes or not minimal, a scale or value
   *   that is not finite, a negative scale or an int8 value of −128; the message names the entry and byte.
   */
  readGroup(bytes: Uint8Array, upTo: number): boolean {
    if (this.done) return false;
    const length = this.groupLength();
    while (this.gapsRead < length) {
      if (!this.readGap(bytes, upTo)) return false;
    }
    const valueBytes = this.int8 ? 4 + length : 4 * length;
    if (upTo - this.pos < valueBytes) return false;
    this.groupSumOfSquares = this.int8 ? this.readInt8Values(bytes, length) : this.readFloatValues(bytes, length);
    this.pos += valueBytes;
    this.entries += length;
    this.count = length;
    this.gapsRead = 0;
    return true;
  }

  private fail(what: string, byte: number, entry = this.entries + this.gapsRead): never {
    throw new InvalidUpdateError(`top-k entry ${entry} (byte ${byte}): ${what}`);
  }

  private readGap(bytes: Uint8Array, upTo: number): boolean {
    let p = this.pos;
    let gap = 0;
    for (let len = 1, scale = 1; ; len++, scale *= 0x80) {
      if (p >= upTo) return false;
      const b = bytes[p++]!;
      gap += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && len > 1) this.fail('varint index gap is not minimal (ends in a zero byte)', this.pos);
        break;
      }
      if (len === MAX_VARINT_BYTES) this.fail(`varint index gap is longer than ${MAX_VARINT_BYTES} bytes`, this.pos);
    }
    if (gap === 0) this.fail('index gap 0: indices must increase (gaps ≥ 1)', this.pos);
    const index = this.last + gap;
    if (index >= this.n) this.fail(`index ${index} ≥ n = ${this.n}`, this.pos);
    this.indices[this.gapsRead++] = index;
    this.last = index;
    this.pos = p;
    return true;
  }

  private readFloatValues(bytes: Uint8Array, length: number): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset + this.pos, 4 * length);
    let sum = 0;
    for (let j = 0; j < length; j++) {
      const v = view.getFloat32(4 * j, true);
      this.values[j] = v;
      sum += v * v;
    }
    if (!Number.isFinite(sum)) {
      const j = this.values.findIndex((v, i) => i < length && !Number.isFinite(v));
      this.fail(`value ${this.values[j]} is not finite`, this.pos + 4 * j, this.entries + j);
    }
    return sum;
  }

  private readInt8Values(bytes: Uint8Array, length: number): number {
    const group = this.entries / this.groupSize;
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const step = int8Step(readCheckedScale(view, this.pos, 'top-k int8 group', group));
    const sumQ = int8SumOfSquares(q, this.pos + 4, length, 'top-k int8 group', group);
    decodeInt8Block(q, this.pos + 4, length, step, this.values);
    return sumQ * step * step;
  }
}
