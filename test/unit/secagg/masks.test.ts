import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addModInPlace,
  applyMasks,
  derivePairwiseKey,
  keyPairFromPrivate,
  maskedVectorFromBytes,
  maskedVectorToBytes,
  pairwiseSign,
  SecAggProtocolError,
  subModInPlace,
} from '../../../shared/secagg/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

const ref = { runId: 'run-a', round: 2 };

/** PRG(seed) mod M at length n: the one mask applied to zeros. */
const expand = (seed: Uint8Array, n: number, modulus: number) =>
  applyMasks(new Uint32Array(n), [{ seed, sign: 1 }], modulus);

describe('SecAgg+ PRG masks', () => {
  it('expands a seed deterministically, differently for another seed, uniformly below the modulus', () => {
    // Prepare
    const bytes = seededBytes(1);
    const [s1, s2] = [bytes(32), bytes(32)];
    // Execute
    const a = expand(s1, 50_000, 2 ** 32);
    const b = expand(s1, 50_000, 2 ** 32);
    const other = expand(s2, 50_000, 2 ** 32);
    const small = expand(s1, 50_000, 2 ** 10);
    // Assert
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, other);
    assert.ok(small.every((v) => v < 1024));
    assert.deepEqual(
      small,
      a.map((v) => v & 1023),
      'a smaller modulus keeps the low bits of the same stream',
    );
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean / 2 ** 32 - 0.5) < 0.01, `mean ${mean / 2 ** 32} of 2^32`);
    assert.deepEqual(expand(s1, 10, 2 ** 32), a.subarray(0, 10), 'a prefix of a longer mask');
  });

  it('cancels the pairwise masks of a pair: u adds, v subtracts, the sum is 0 mod M', () => {
    // Prepare
    const bytes = seededBytes(2);
    const [u, v] = [keyPairFromPrivate(bytes(32)), keyPairFromPrivate(bytes(32))];
    for (const modulus of [2 ** 32, 2 ** 24]) {
      // Execute
      const su = derivePairwiseKey('pairwise-mask', ref, 'site-u', u.privateKey, 'site-v', v.publicKey);
      const sv = derivePairwiseKey('pairwise-mask', ref, 'site-v', v.privateKey, 'site-u', u.publicKey);
      const yu = applyMasks(new Uint32Array(1000), [{ seed: su, sign: pairwiseSign('site-u', 'site-v') }], modulus);
      const yv = applyMasks(new Uint32Array(1000), [{ seed: sv, sign: pairwiseSign('site-v', 'site-u') }], modulus);
      // Assert
      assert.deepEqual(pairwiseSign('site-u', 'site-v'), 1, 'the lower id adds');
      assert.ok(yu.some((x) => x !== 0));
      assert.ok(
        addModInPlace(yu, yv, modulus).every((x) => x === 0),
        `masks cancel mod ${modulus}`,
      );
    }
    assert.throws(() => pairwiseSign('a', 'a'), RangeError);
  });

  it('applies several masks block by block exactly as one after another, residues staying below M', () => {
    // Prepare: 40,001 values span two full blocks of 16,384 and a partial one
    const bytes = seededBytes(4);
    const seeds = [bytes(32), bytes(32), bytes(32)];
    const signs = [1, -1, 1] as const;
    for (const modulus of [2 ** 32, 2 ** 20]) {
      const input = expand(bytes(32), 40_001, modulus);
      // Execute
      const fused = applyMasks(
        input.slice(),
        seeds.map((seed, k) => ({ seed, sign: signs[k]! })),
        modulus,
      );
      // Assert: the same as adding and subtracting each whole mask in turn
      const expected = input.slice();
      seeds.forEach((seed, k) => {
        const mask = expand(seed, 40_001, modulus);
        if (signs[k] === 1) addModInPlace(expected, mask, modulus);
        else subModInPlace(expected, mask, modulus);
      });
      assert.deepEqual(fused, expected, `mod ${modulus}`);
      assert.ok(fused.every((v) => v < modulus));
    }
  });

  it('derives unrelated mask seeds for another round, run or purpose', () => {
    const bytes = seededBytes(3);
    const [u, v] = [keyPairFromPrivate(bytes(32)), keyPairFromPrivate(bytes(32))];
    const seed = (r: typeof ref, purpose: 'pairwise-mask' | 'share-encryption' = 'pairwise-mask') =>
      Buffer.from(derivePairwiseKey(purpose, r, 'a', u.privateKey, 'b', v.publicKey)).toString('hex');
    const all = [
      seed(ref),
      seed({ ...ref, round: 3 }),
      seed({ ...ref, runId: 'run-b' }),
      seed(ref, 'share-encryption'),
    ];
    assert.equal(new Set(all).size, 4);
  });

  it('refuses a peer public key that is the wrong length or a low-order point, naming the peer', () => {
    const me = keyPairFromPrivate(seededBytes(4)(32));
    const check = (key: Uint8Array, fragment: RegExp) =>
      assert.throws(
        () => derivePairwiseKey('pairwise-mask', ref, 'a', me.privateKey, 'site-bad', key),
        (err: unknown) =>
          fedsiftError(SecAggProtocolError, fragment)(err) && (err as SecAggProtocolError).clientId === 'site-bad',
      );
    check(new Uint8Array(31), /31 bytes/);
    check(new Uint8Array(32), /not a usable X25519 key|low-order/);
  });
});

describe('masked vector bytes', () => {
  it('writes 4 bytes per value, little-endian, and reads them back', () => {
    const v = Uint32Array.from([1, 0x01020304, 0xffffffff]);
    const bytes = maskedVectorToBytes(v);
    assert.deepEqual([...bytes.subarray(0, 8)], [1, 0, 0, 0, 4, 3, 2, 1]);
    assert.deepEqual(maskedVectorFromBytes(bytes, 3), v);
    assert.deepEqual(
      maskedVectorFromBytes(Buffer.from(bytes).subarray(4), 2),
      v.subarray(1),
      'from an unaligned Buffer',
    );
    const aligned = maskedVectorFromBytes(bytes, 3, true);
    assert.equal(aligned.buffer, bytes.buffer, 'in place: a view of the bytes');
    const unaligned = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
    assert.deepEqual(maskedVectorFromBytes(unaligned, 3, true), v, 'in place from unaligned bytes: a copy');
  });

  it('refuses a byte count that is not 4·length', () => {
    assert.throws(
      () => maskedVectorFromBytes(new Uint8Array(7)),
      fedsiftError(SecAggProtocolError, /not a multiple of 4/),
    );
    assert.throws(
      () => maskedVectorFromBytes(new Uint8Array(8), 3),
      fedsiftError(SecAggProtocolError, /2 values, expected 3/),
    );
  });
});
