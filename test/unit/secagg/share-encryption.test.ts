import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  combineShares,
  decryptSharePair,
  derivePairwiseKey,
  encryptSharePair,
  ENCRYPTED_SHARE_BYTES,
  keyPairFromPrivate,
  SecAggProtocolError,
  ShareDecryptionError,
  splitSecret,
} from '../../../shared/secagg/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

const ref = { runId: 'run-a', round: 7 };

describe('SecAgg+ share encryption', () => {
  const bytes = seededBytes(5);
  const [u, v, w] = [0, 1, 2].map(() => keyPairFromPrivate(bytes(32))) as [
    ReturnType<typeof keyPairFromPrivate>,
    ReturnType<typeof keyPairFromPrivate>,
    ReturnType<typeof keyPairFromPrivate>,
  ];
  const pair = { seedShare: bytes(33), keyShare: bytes(33) };
  const keyUV = derivePairwiseKey('share-encryption', ref, 'u', u.privateKey, 'v', v.publicKey);
  const ciphertext = encryptSharePair(keyUV, ref, 'u', 'v', pair, bytes(12));
  const failsNamingU = (fragment: RegExp) => (err: unknown) =>
    fedsiftError(ShareDecryptionError, fragment)(err) && (err as ShareDecryptionError).clientId === 'u';

  it('decrypts for the receiver, who derives the same key from its side', () => {
    const keyVU = derivePairwiseKey('share-encryption', ref, 'v', v.privateKey, 'u', u.publicKey);
    assert.equal(ciphertext.length, ENCRYPTED_SHARE_BYTES);
    assert.deepEqual(decryptSharePair(keyVU, ref, 'u', 'v', ciphertext), pair);
  });

  it('fails with a typed error naming the sender for a tampered ciphertext', () => {
    for (const at of [0, 20, ciphertext.length - 1]) {
      const tampered = Uint8Array.from(ciphertext);
      tampered[at]! ^= 0x40;
      assert.throws(() => decryptSharePair(keyUV, ref, 'u', 'v', tampered), failsNamingU(/fails authentication/));
    }
    assert.throws(
      () => decryptSharePair(keyUV, ref, 'u', 'v', ciphertext.subarray(1)),
      failsNamingU(/bytes, expected/),
    );
  });

  it('fails for a wrong receiver, with its own key or with the right key', () => {
    const keyWU = derivePairwiseKey('share-encryption', ref, 'w', w.privateKey, 'u', u.publicKey);
    assert.throws(() => decryptSharePair(keyWU, ref, 'u', 'w', ciphertext), failsNamingU(/fails authentication/));
    assert.throws(() => decryptSharePair(keyUV, ref, 'u', 'w', ciphertext), failsNamingU(/fails authentication/));
  });

  it('fails for a wrong round or run', () => {
    for (const other of [
      { ...ref, round: 8 },
      { ...ref, runId: 'run-b' },
    ]) {
      const key = derivePairwiseKey('share-encryption', other, 'v', v.privateKey, 'u', u.publicKey);
      assert.throws(() => decryptSharePair(key, other, 'u', 'v', ciphertext), failsNamingU(/fails authentication/));
      assert.throws(() => decryptSharePair(keyUV, other, 'u', 'v', ciphertext), failsNamingU(/fails authentication/));
    }
  });
});

describe('Shamir sharing of 32-byte secrets', () => {
  it('rebuilds the secret from any threshold shares', async () => {
    const secret = seededBytes(6)(32);
    const shares = await splitSecret(Buffer.from(secret), 7, 4);
    assert.equal(shares.length, 7);
    assert.ok(shares.every((s) => s.length === 33));
    for (const pick of [
      [0, 1, 2, 3],
      [6, 4, 2, 0],
      [1, 3, 5, 6, 2],
    ])
      assert.deepEqual(
        await combineShares(
          pick.map((i) => shares[i]!),
          4,
          'u',
        ),
        secret,
      );
    assert.notDeepEqual(await combineShares(shares.slice(0, 3), 3, 'u'), secret, 'three shares of a 4-threshold split');
  });

  it('refuses too few shares, duplicated x-coordinates and a bad split', async () => {
    const shares = await splitSecret(seededBytes(7)(32), 5, 3);
    await assert.rejects(
      combineShares(shares.slice(0, 2), 3, 'site-u'),
      fedsiftError(SecAggProtocolError, /2 shares of site-u's secret, 3 needed/),
    );
    await assert.rejects(
      combineShares([shares[0]!, shares[0]!, shares[1]!], 3, 'site-u'),
      fedsiftError(SecAggProtocolError, /same x-coordinate/),
    );
    await assert.rejects(splitSecret(new Uint8Array(32), 5, 6), RangeError);
    await assert.rejects(splitSecret(new Uint8Array(32), 256, 3), RangeError);
  });
});
