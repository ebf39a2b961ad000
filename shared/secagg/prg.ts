import { createCipheriv, type Cipher } from 'node:crypto';
import { KEY_BYTES } from './key-agreement.js';
import { maskedVectorFromBytes } from './vector-bytes.js';

/**
 * 32-bit words per block of the blocked passes (masking, stochastic rounding): 64 KiB of keystream, which stays in the
 * CPU cache while every mask's block is added, where whole-vector keystreams (4 MB each at 1M values) would be fresh
 * memory for every mask.
 */
export const BLOCK_WORDS = 16_384;

/** Plaintext of the keystream: AES-CTR's keystream is the encryption of zeros. Read-only. */
const ZEROS = new Uint8Array(4 * BLOCK_WORDS);
const ZERO_IV = new Uint8Array(16);

/**
 * PRG(seed), read a block at a time: the AES-256-CTR keystream of a 32-byte seed (zero IV) as little-endian 32-bit
 * words. Deterministic: both ends of a pair, and the coordinator once it rebuilds a seed, draw the same words. The
 * seed is the key, so a seed must never be used for two different streams.
 * @see Bonawitz et al., CCS 2017, §3 (PRG); NIST SP 800-38A §6.5 (CTR mode)
 */
export class Prg {
  private readonly cipher: Cipher;

  /** @throws {RangeError} when the seed is not 32 bytes. */
  constructor(seed: Uint8Array) {
    if (seed.length !== KEY_BYTES) throw new RangeError(`PRG seed must be ${KEY_BYTES} bytes, got ${seed.length}`);
    this.cipher = createCipheriv('aes-256-ctr', seed, ZERO_IV);
  }

  /**
   * The stream's next `n` words as int32 (the same 32 bits as uint32: `>>> 0` reads one unsigned).
   * @param n words, 0 ≤ n ≤ BLOCK_WORDS.
   * @throws {RangeError} when n is out of range.
   */
  next(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > BLOCK_WORDS) throw new RangeError(`Prg.next: bad word count ${n}`);
    const bytes = this.cipher.update(ZEROS.subarray(0, 4 * n));
    // A block-sized Buffer is its own 4-aligned allocation, read in place (a small pooled one, or big-endian: copied).
    const words = maskedVectorFromBytes(bytes, n, true);
    return new Int32Array(words.buffer, words.byteOffset, n);
  }
}
