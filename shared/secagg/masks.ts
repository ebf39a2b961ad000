import { createCipheriv } from 'node:crypto';
import { KEY_BYTES } from './key-agreement.js';
import { addModInPlace, modMask, subModInPlace } from './modular.js';
import { LITTLE_ENDIAN, maskedVectorFromBytes } from './vector-bytes.js';

const ZERO_IV = new Uint8Array(16);

/** Zeros to encrypt: the keystream of AES-CTR is the encryption of zeros. Grown to the longest mask asked for. */
let zeros = new Uint8Array(0);

/**
 * PRG(seed): `length` values uniform mod `modulus`, the AES-256-CTR keystream of `seed` (zero IV) read as
 * little-endian Uint32 and reduced with the power-of-two mask (uniform, since M divides 2^32). Deterministic: both ends
 * of a pair, and the coordinator once it rebuilds a seed, expand the same mask.
 * @param seed 32 bytes: a self-mask seed b_u or a pairwise-mask key s_{u,v}.
 * @param length values (the masked vector's length: model values + 1 weight coordinate).
 * @throws {RangeError} when the seed is not 32 bytes, length is not a non-negative integer, or the modulus is bad.
 * @see Bonawitz et al., CCS 2017, §3 (PRG) and §4 Round 2 (p_{u,v} = Δ·PRG(s_{u,v}), p_u = PRG(b_u))
 */
export function expandMask(seed: Uint8Array, length: number, modulus: number): Uint32Array {
  if (seed.length !== KEY_BYTES) throw new RangeError(`expandMask: seed must be 32 bytes, got ${seed.length}`);
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`expandMask: bad length ${length}`);
  const m = modMask(modulus);
  if (zeros.length < length * 4) zeros = new Uint8Array(length * 4);
  const cipher = createCipheriv('aes-256-ctr', seed, ZERO_IV);
  const stream = cipher.update(zeros.subarray(0, length * 4)); // CTR: final() adds nothing
  cipher.final();
  // A fresh Buffer this large is its own allocation, 4-aligned: read it in place (else, and on big-endian, copy).
  const values =
    LITTLE_ENDIAN && stream.byteOffset % 4 === 0
      ? new Uint32Array(stream.buffer, stream.byteOffset, length)
      : maskedVectorFromBytes(stream);
  if (m !== 0xffffffff) for (let i = 0; i < values.length; i++) values[i] = values[i]! & m;
  return values;
}

/**
 * Δ_{u,v} of the pairwise mask: +1 when u's id sorts before v's (u adds PRG(s_{u,v})), −1 otherwise (u subtracts it),
 * so the pair's masks cancel in the sum. @throws {RangeError} when u = v.
 * @see Bonawitz et al., CCS 2017, §4 Round 2 (Δ = 1 when u > v, −1 when u < v: the opposite, equally valid, convention)
 */
export function pairwiseSign(ownId: string, peerId: string): 1 | -1 {
  if (ownId === peerId) throw new RangeError(`pairwiseSign: a client has no pairwise mask with itself (${ownId})`);
  return ownId < peerId ? 1 : -1;
}

/** vector ← vector + sign·PRG(seed) mod M, in place; returns vector. The coordinator undoes a mask with −sign. */
export function applyMask(vector: Uint32Array, seed: Uint8Array, sign: 1 | -1, modulus: number): Uint32Array {
  const mask = expandMask(seed, vector.length, modulus);
  return sign === 1 ? addModInPlace(vector, mask, modulus) : subModInPlace(vector, mask, modulus);
}
