import { createCipheriv, createDecipheriv } from 'node:crypto';
import { encodeBinding, type RoundRef } from './binding.js';
import { ShareDecryptionError } from '../errors/index.js';
import { KEY_BYTES } from './key-agreement.js';

/** Bytes of one Shamir share of a 32-byte secret: 32 bytes of y-values and the x-coordinate. */
export const SHARE_BYTES = KEY_BYTES + 1;
/** AES-GCM nonce bytes (96 bits, NIST SP 800-38D §8.2). */
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of one encrypted share pair: nonce ‖ ciphertext of the two shares ‖ GCM tag. */
export const ENCRYPTED_SHARE_BYTES = NONCE_BYTES + 2 * SHARE_BYTES + TAG_BYTES;

/** What client u gives neighbour v in the share-keys stage: v's share of u's self-mask seed b_u and of u's mask key s_u^SK. */
export interface SharePair {
  /** Share of the self-mask seed b_u (SHARE_BYTES). */
  readonly seedShare: Uint8Array;
  /** Share of the pairwise-mask private key s_u^SK (SHARE_BYTES). */
  readonly keyShare: Uint8Array;
}

function aad(ref: RoundRef, from: string, to: string): Uint8Array {
  return encodeBinding('fedsift/secagg/share', ref.runId, ref.round, from, to);
}

/**
 * Encrypts the share pair `from` gives `to` with AES-256-GCM under their share-encryption key; the associated data
 * binds (run, round, sender, receiver), so the coordinator that relays it can neither read it nor pass it off as
 * another pair's or another round's.
 * @param key 32-byte key from derivePairwiseKey('share-encryption', …).
 * @param nonce 12 fresh random bytes (each key encrypts once per round, but a fresh nonce costs nothing).
 * @returns nonce ‖ ciphertext ‖ tag, ENCRYPTED_SHARE_BYTES long.
 * @throws {RangeError} when a share, the key or the nonce has the wrong length.
 * @see Bonawitz et al., CCS 2017, §3 (AE.enc) and §4 Round 1 (e_{u,v})
 */
export function encryptSharePair(
  key: Uint8Array,
  ref: RoundRef,
  from: string,
  to: string,
  shares: SharePair,
  nonce: Uint8Array,
): Uint8Array {
  if (shares.seedShare.length !== SHARE_BYTES || shares.keyShare.length !== SHARE_BYTES)
    throw new RangeError(`encryptSharePair: shares must be ${SHARE_BYTES} bytes each`);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`encryptSharePair: nonce must be ${NONCE_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(ref, from, to));
  const body = Buffer.concat([cipher.update(shares.seedShare), cipher.update(shares.keyShare), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

/**
 * Decrypts and authenticates a share pair that `from` encrypted for `to`.
 * @throws {ShareDecryptionError} (clientId = from, field 'ciphertext') when the ciphertext has the wrong length or
 *   fails authentication: tampered, meant for another receiver, from another sender, round or run.
 * @see Bonawitz et al., CCS 2017, §4 Round 2 (AE.dec; abort on failure)
 */
export function decryptSharePair(
  key: Uint8Array,
  ref: RoundRef,
  from: string,
  to: string,
  ciphertext: Uint8Array,
): SharePair {
  const where = { clientId: from, round: ref.round, runId: ref.runId, field: 'ciphertext' };
  if (ciphertext.length !== ENCRYPTED_SHARE_BYTES)
    throw new ShareDecryptionError(
      `share from ${from} to ${to} is ${ciphertext.length} bytes, expected ${ENCRYPTED_SHARE_BYTES}`,
      where,
    );
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad(ref, from, to));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    plain = Buffer.concat([
      decipher.update(ciphertext.subarray(NONCE_BYTES, ciphertext.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new ShareDecryptionError(
      `share from ${from} to ${to} (round ${ref.round}) fails authentication: tampered, misrouted or from another round`,
      { ...where, cause },
    );
  }
  return {
    seedShare: new Uint8Array(plain.subarray(0, SHARE_BYTES)),
    keyShare: new Uint8Array(plain.subarray(SHARE_BYTES)),
  };
}
