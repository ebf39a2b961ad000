import { SecAggProtocolError } from '../errors/index.js';

/** Whether this machine stores a Uint32 little-endian (the wire order of masked vectors and mask keystreams). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A masked vector as bytes, each value 4 bytes little-endian, for the chunked update upload (SubmitUpdate).
 * @param vector masked values (Uint32, mod `modulus`).
 * @returns vector.length·4 bytes: on a little-endian machine a view of the vector's own memory (no copy of a vector
 *   that is sent once and dropped), on a big-endian one a byte-swapped copy.
 */
export function maskedVectorToBytes(vector: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const out = new Uint8Array(vector.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < vector.length; i++) view.setUint32(4 * i, vector[i]!, true);
  return out;
}

/**
 * Reads a masked vector written by maskedVectorToBytes (or any little-endian Uint32 stream, e.g. a PRG keystream).
 * @param expectedLength values expected, when known.
 * @param inPlace read `bytes` in place when they are 4-aligned on a little-endian machine: for a vector used at once
 *   and not kept (a pooled receive buffer is reused after). @default false: always a copy
 * @throws {SecAggProtocolError} (field 'masked') when the byte count is not a multiple of 4 or not expectedLength·4.
 */
export function maskedVectorFromBytes(bytes: Uint8Array, expectedLength?: number, inPlace = false): Uint32Array {
  if (bytes.length % 4 !== 0)
    throw new SecAggProtocolError(`masked vector is ${bytes.length} bytes, not a multiple of 4`, { field: 'masked' });
  if (expectedLength !== undefined && bytes.length !== expectedLength * 4)
    throw new SecAggProtocolError(`masked vector has ${bytes.length / 4} values, expected ${expectedLength}`, {
      field: 'masked',
    });
  if (inPlace && LITTLE_ENDIAN && bytes.byteOffset % 4 === 0)
    return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const out = new Uint32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  }
  return out;
}
