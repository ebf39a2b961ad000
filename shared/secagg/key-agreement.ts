import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { encodeBinding, orderedPair, type RoundRef } from './binding.js';
import { SecAggProtocolError } from '../errors/index.js';

/** Bytes of a raw X25519 key (private or public) and of every derived key and seed. */
export const KEY_BYTES = 32;

/** An X25519 key pair as raw bytes (RFC 7748): 32-byte private scalar, 32-byte public u-coordinate. */
export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What a derived pairwise key is for; part of the HKDF info, so the two keys of a pair never coincide. */
export type PairwisePurpose = 'share-encryption' | 'pairwise-mask';

// DER headers of RFC 8410 PKCS#8 private and SPKI public X25519 keys: node:crypto imports raw keys through them.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/**
 * Imported private keys by their bytes' array (a client agrees one key with every neighbour, twice per round): the
 * arrays of X25519KeyPair are never written after keyPairFromPrivate made them.
 */
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>();

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  let key = privateKeyObjects.get(privateKey);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    privateKeyObjects.set(privateKey, key);
  }
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

function publicKeyOfPrivate(privateKey: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/**
 * The X25519 key pair of a 32-byte private key (any 32 bytes are a valid scalar after RFC 7748 clamping). Callers draw
 * the bytes from a CSPRNG (`crypto.randomBytes`), or from a seeded source in tests.
 * @throws {RangeError} when privateKey is not 32 bytes.
 * @see RFC 7748 §5; Bonawitz et al., CCS 2017, §3 (KA.gen)
 */
export function keyPairFromPrivate(privateKey: Uint8Array): X25519KeyPair {
  if (privateKey.length !== KEY_BYTES)
    throw new RangeError(`X25519 private key must be 32 bytes, got ${privateKey.length}`);
  return { privateKey: Uint8Array.from(privateKey), publicKey: publicKeyOfPrivate(privateKey) };
}

/**
 * Derives the 32-byte key a pair of clients shares for one purpose in one round: HKDF-SHA256 (RFC 5869) of the X25519
 * secret, info = (purpose, runId, round, lower id, higher id). Symmetric: u with v's public key and v with u's give the
 * same key; another purpose, run, round or pair gives an unrelated one.
 * @param ownId id of the holder of `privateKey`; peerId id of the owner of `peerPublicKey`.
 * @throws {SecAggProtocolError} (clientId = peerId, field 'publicKey') when the peer's key is not 32 bytes or is a
 *   low-order point (the X25519 secret would be all zeros).
 * @see Bonawitz et al., CCS 2017, §3 (KA.agree) and §4 Round 2–3; RFC 7748 §6.1 (all-zero check)
 */
export function derivePairwiseKey(
  purpose: PairwisePurpose,
  ref: RoundRef,
  ownId: string,
  privateKey: Uint8Array,
  peerId: string,
  peerPublicKey: Uint8Array,
): Uint8Array {
  if (peerPublicKey.length !== KEY_BYTES)
    throw new SecAggProtocolError(`${peerId}'s public key is ${peerPublicKey.length} bytes, expected 32`, {
      clientId: peerId,
      field: 'publicKey',
    });
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(peerPublicKey) });
  } catch (cause) {
    throw new SecAggProtocolError(`${peerId}'s public key is not a usable X25519 key`, {
      clientId: peerId,
      field: 'publicKey',
      cause,
    });
  }
  if (secret.every((b) => b === 0))
    throw new SecAggProtocolError(`${peerId}'s public key is a low-order point`, {
      clientId: peerId,
      field: 'publicKey',
    });
  const [lo, hi] = orderedPair(ownId, peerId);
  const info = encodeBinding('fedsift/secagg', purpose, ref.runId, ref.round, lo, hi);
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, KEY_BYTES));
}
