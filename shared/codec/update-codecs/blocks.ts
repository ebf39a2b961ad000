/** forEachDecodedBlock: the absolute values of an update, block by block, for folding without a float32 copy. */
import { InvalidUpdateError } from '../../errors/index.js';
import { fp16Table } from './fp16.js';
import { addInt8Block, int8Step, readCheckedScale } from './int8.js';
import { encodedByteRange, MAX_DECODED_BLOCK, type CodecSpec } from './spec.js';
import { TopkReader } from './topk-reader.js';

/** Receives x[offset, offset + block.length) = g + δ̂ there; `block` is a scratch view valid only during the call. */
export type DecodedBlockVisitor = (offset: number, block: Float32Array) => void;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function noneBlocks(bytes: Uint8Array, n: number, scratch: Float32Array, fn: DecodedBlockVisitor): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const aligned = LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0;
  for (let from = 0; from < n; from += MAX_DECODED_BLOCK) {
    const count = Math.min(MAX_DECODED_BLOCK, n - from);
    if (aligned) {
      fn(from, new Float32Array(bytes.buffer, bytes.byteOffset + 4 * from, count));
      continue;
    }
    for (let j = 0; j < count; j++) scratch[j] = view.getFloat32(4 * (from + j), true);
    fn(from, scratch.subarray(0, count));
  }
}

/** out[i] += the binary16 value i of bytes[p, p + 2·count), by table; a function of its own, which V8 compiles better. */
function addFp16(table: Float32Array, bytes: Uint8Array, p: number, count: number, out: Float32Array): void {
  for (let i = 0; i < count; i++, p += 2) out[i] = out[i]! + table[bytes[p]! | (bytes[p + 1]! << 8)]!;
}

function fp16Blocks(bytes: Uint8Array, g: Float32Array, scratch: Float32Array, fn: DecodedBlockVisitor): void {
  const table = fp16Table();
  for (let from = 0; from < g.length; from += MAX_DECODED_BLOCK) {
    const count = Math.min(MAX_DECODED_BLOCK, g.length - from);
    scratch.set(g.subarray(from, from + count));
    addFp16(table, bytes, 2 * from, count, scratch);
    fn(from, scratch.subarray(0, count));
  }
}

function int8Blocks(bytes: Uint8Array, g: Float32Array, B: number, scratch: Float32Array, fn: DecodedBlockVisitor) {
  const n = g.length;
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slice = Math.floor(MAX_DECODED_BLOCK / B) * B;
  let offset = 0; // of the next int8 block in bytes
  for (let from = 0; from < n; from += slice) {
    const count = Math.min(slice, n - from);
    scratch.set(g.subarray(from, from + count));
    for (let b = 0; b < count; b += B, offset += B + 4) {
      const step = int8Step(readCheckedScale(view, offset, 'int8 block', (from + b) / B));
      addInt8Block(q, offset + 4, Math.min(B, count - b), step, scratch, b);
    }
    fn(from, scratch.subarray(0, count));
  }
}

function topkBlocks(
  reader: TopkReader,
  bytes: Uint8Array,
  g: Float32Array,
  scratch: Float32Array,
  fn: DecodedBlockVisitor,
) {
  const n = g.length;
  let from = 0;
  let end = Math.min(MAX_DECODED_BLOCK, n);
  scratch.set(g.subarray(from, end));
  const emit = (): void => {
    fn(from, scratch.subarray(0, end - from));
    from = end;
    end = Math.min(from + MAX_DECODED_BLOCK, n);
    scratch.set(g.subarray(from, end));
  };
  while (!reader.done) {
    if (!reader.readGroup(bytes, bytes.length)) {
      throw new InvalidUpdateError(
        `top-k update ends at byte ${bytes.length} after ${reader.entriesRead} of ${reader.nonzeros} entries`,
      );
    }
    for (let j = 0; j < reader.count; j++) {
      const index = reader.indices[j]!;
      while (index >= end && end < n) emit(); // the reader keeps index < n; the bound guards the loop regardless
      scratch[index - from] = scratch[index - from]! + reader.values[j]!;
    }
  }
  if (reader.pos !== bytes.length) {
    throw new InvalidUpdateError(
      `update has bytes past its end: ${bytes.length} bytes, the entries end at ${reader.pos}`,
    );
  }
  while (from < n) emit();
}

/**
 * @throws {InvalidUpdateError} unless a dense codec's (none, fp16, int8) payload has the size it implies for n values.
 */
export function checkDenseSize(spec: CodecSpec, bytes: Uint8Array, n: number): void {
  const expected = encodedByteRange(spec, n, 0).min;
  if (bytes.length !== expected) {
    throw new InvalidUpdateError(`${spec.kind} update of ${n} values takes ${expected} bytes, got ${bytes.length}`);
  }
}

/**
 * Hands the update's absolute values x = g + δ̂ (for `none`: x = w as sent) to `fn` in consecutive blocks that cover
 * [0, n) in order, each at most 65,536 values (for int8: a whole number of int8 blocks). For the FedAvg fold: no
 * n-sized float32 copy of a compressed update is made. x_i is fround(g_i + δ̂_i).
 *
 * Checks the structure (size, scales, top-k indices and values) so hostile bytes cannot misdirect it, but not the
 * dense values: run a DeltaScanner over the bytes first (an fp16 NaN pattern decodes to NaN here).
 * @param spec the update's codec.
 * @param bytes the whole payload.
 * @param n parameters of the model.
 * @param nonzeros top-k: entries the update header declares (ignored by the dense codecs).
 * @param g n float32 values of the global model the delta is against (unused by `none`, but its length is checked).
 * @param fn called once per block, in order; blocks are views of `scratch` (or, for aligned `none` bytes, of `bytes`).
 * @param scratch optional reusable buffer of at least min(n, 65,536) values.
 * @throws {RangeError} when g.length ≠ n or scratch is too small.
 * @throws {InvalidUpdateError} when the bytes do not have the size the codec implies, or a scale or top-k entry is
 *   malformed (see DeltaScanner).
 */
export function forEachDecodedBlock(
  spec: CodecSpec,
  bytes: Uint8Array,
  n: number,
  nonzeros: number,
  g: Float32Array,
  fn: DecodedBlockVisitor,
  scratch?: Float32Array,
): void {
  if (g.length !== n) throw new RangeError(`forEachDecodedBlock: g has ${g.length} values, n = ${n}`);
  const need = Math.min(n, MAX_DECODED_BLOCK);
  if (scratch && scratch.length < need)
    throw new RangeError(`forEachDecodedBlock: scratch holds ${scratch.length} < ${need}`);
  const buffer = scratch ?? new Float32Array(need);
  if (spec.kind === 'topk') {
    return topkBlocks(new TopkReader(spec, n, nonzeros), bytes, g, buffer, fn);
  }
  checkDenseSize(spec, bytes, n);
  if (spec.kind === 'none') noneBlocks(bytes, n, buffer, fn);
  else if (spec.kind === 'fp16') fp16Blocks(bytes, g, buffer, fn);
  else int8Blocks(bytes, g, spec.blockSize, buffer, fn);
}
