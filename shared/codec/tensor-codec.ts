import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { InvalidUpdateError } from '../errors/index.js';
import { prefixHash, sharedBytes, type PrefixHash } from './prefix-hash.js';

/** Largest chunk fedsift puts in one gRPC message: 1 MiB (well below the 4 MiB default receive limit). */
export const MAX_CHUNK_BYTES = 1024 * 1024;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * Encodes float32 values as raw little-endian bytes (4 bytes per value). On little-endian hosts the result is a
 * zero-copy view of `values`' buffer; the caller must not mutate `values` while the bytes are in use.
 */
export function float32ToBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/**
 * Decodes raw little-endian float32 bytes into a new, aligned Float32Array (copies: chunks from the network are not
 * 4-byte aligned). @throws {InvalidUpdateError} when the byte length is not a multiple of 4.
 */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new InvalidUpdateError(`tensor bytes: ${bytes.byteLength} is not a multiple of 4`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/**
 * Float32 view of raw little-endian bytes without copying when the host is little-endian and the bytes are 4-byte
 * aligned (e.g. a ChunkAssembler buffer); otherwise a decoded copy. The view shares `bytes`' memory.
 * @throws {InvalidUpdateError} when the byte length is not a multiple of 4.
 */
export function viewAsFloat32(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  return bytesToFloat32(bytes);
}

/**
 * Cuts `bytes` into consecutive views of at most `maxChunkBytes` bytes (the last may be shorter; none is empty).
 * @throws {RangeError} when maxChunkBytes is not a positive integer.
 */
export function* chunkBytes(bytes: Uint8Array, maxChunkBytes: number = MAX_CHUNK_BYTES): Generator<Uint8Array> {
  if (!Number.isInteger(maxChunkBytes) || maxChunkBytes <= 0)
    throw new RangeError(`maxChunkBytes must be a positive integer, got ${maxChunkBytes}`);
  for (let off = 0; off < bytes.byteLength; off += maxChunkBytes) {
    yield bytes.subarray(off, Math.min(off + maxChunkBytes, bytes.byteLength));
  }
}

/** Hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reassembles a byte stream of known length from chunks of any size, hashing (SHA-256) as it goes — on the hashing
 * thread when the buffer is shared memory (see prefixHash). Memory: one 4-byte-aligned buffer of `expectedBytes`,
 * allocated up front in shared memory (or lent by the caller), so a sender cannot make it grow.
 */
export class ChunkAssembler {
  private readonly buffer: Uint8Array;
  private readonly hash: PrefixHash;
  private received = 0;

  /**
   * @param expectedBytes exact total the sender declared in its header (bytes).
   * @param buffer optional reusable buffer of at least `expectedBytes` bytes (only its first expectedBytes are used).
   */
  constructor(
    readonly expectedBytes: number,
    buffer?: Uint8Array,
  ) {
    this.buffer =
      buffer && buffer.byteLength >= expectedBytes ? buffer.subarray(0, expectedBytes) : sharedBytes(expectedBytes);
    this.hash = prefixHash(this.buffer);
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.received;
  }

  /** Appends one chunk. @throws {InvalidUpdateError} when the chunk would overflow the declared size. */
  push(chunk: Uint8Array): void {
    checkRoom(this.received, chunk, this.expectedBytes);
    this.buffer.set(chunk, this.received);
    this.received += chunk.byteLength;
    this.hash.advance(this.received);
  }

  /**
   * Resolves with the complete bytes. @throws {InvalidUpdateError} when bytes are missing or, if `expectedSha256` is
   * given, when the hash differs.
   */
  async finish(expectedSha256?: string): Promise<Uint8Array> {
    if (this.received !== this.expectedBytes) this.abandon();
    checkEnd(this.received, this.expectedBytes);
    checkDigest(await this.hash.digest(), expectedSha256);
    return this.buffer;
  }

  /** Stops hashing a transfer that will not finish (stream failed, bytes refused). Idempotent. */
  abandon(): void {
    this.hash.abandon();
  }
}

/**
 * Reads a byte stream of known length only to learn its SHA-256: counts and hashes its chunks as they come and keeps
 * none (a re-sent update the coordinator holds already, whose digest comes after its bytes). The same checks as
 * ChunkAssembler, without its buffer.
 */
export class ChunkDigest {
  private readonly hash = createHash('sha256');
  private received = 0;

  /** @param expectedBytes exact total the sender declared in its header (bytes). */
  constructor(readonly expectedBytes: number) {}

  /** Hashes one chunk. @throws {InvalidUpdateError} when the chunk would overflow the declared size. */
  push(chunk: Uint8Array): void {
    checkRoom(this.received, chunk, this.expectedBytes);
    this.hash.update(chunk);
    this.received += chunk.byteLength;
  }

  /**
   * Checks the stream's end; resolves with no bytes (it keeps none). @throws {InvalidUpdateError} when bytes are
   * missing or, if `expectedSha256` is given, when the digest differs.
   */
  async finish(expectedSha256?: string): Promise<Uint8Array> {
    checkEnd(this.received, this.expectedBytes);
    checkDigest(this.hash.digest('hex'), expectedSha256);
    return new Uint8Array(0);
  }

  /** Nothing to stop (it hashes in this thread, as chunks come): there for ChunkAssembler's callers. */
  abandon(): void {}
}

/** @throws {InvalidUpdateError} when `chunk` after `received` bytes would pass `expected`. */
function checkRoom(received: number, chunk: Uint8Array, expected: number): void {
  if (received + chunk.byteLength > expected) {
    throw new InvalidUpdateError(`received more bytes than declared: ${received + chunk.byteLength} > ${expected}`);
  }
}

/** @throws {InvalidUpdateError} when a stream ends after `received` of `expected` bytes. */
function checkEnd(received: number, expected: number): void {
  if (received !== expected)
    throw new InvalidUpdateError(`stream ended after ${received} of ${expected} declared bytes`);
}

/** @throws {InvalidUpdateError} when `expected` is given and is not `digest` (hex, any case). */
function checkDigest(digest: string, expected: string | undefined): void {
  if (expected && digest !== expected.toLowerCase()) {
    throw new InvalidUpdateError(`SHA-256 mismatch: declared ${expected}, received bytes hash to ${digest}`);
  }
}
