import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSameSpecs,
  bytesToFloat32,
  ChunkAssembler,
  chunkBytes,
  firstNonFinite,
  float32ToBytes,
  sha256Hex,
  totalBytes,
} from '../../../shared/codec/index.js';
import { InvalidUpdateError } from '../../../shared/errors/index.js';
import { createRng } from '../../../shared/random/index.js';

function randomFloats(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 1e3);
}

describe('tensor codec', () => {
  it('encodes float32 as little-endian bytes', () => {
    const bytes = float32ToBytes(new Float32Array([1, -2.5]));
    assert.deepEqual([...bytes], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  });

  for (const [n, chunk] of [
    [0, 4],
    [1, 4],
    [1, 3],
    [7, 5],
    [1000, 1024],
    [1025, 1024],
    [257, 4096],
    [100_001, 65_536],
  ] as const) {
    it(`round-trips ${n} floats through ${chunk}-byte chunks`, async () => {
      // Prepare
      const values = randomFloats(n, n);
      const bytes = float32ToBytes(values);
      // Execute
      const chunks = [...chunkBytes(bytes, chunk)];
      const asm = new ChunkAssembler(bytes.byteLength);
      chunks.forEach((c) => asm.push(Buffer.from(c))); // network buffers: copies, not 4-byte aligned views
      const back = bytesToFloat32(await asm.finish(sha256Hex(bytes)));
      // Assert
      assert.equal(chunks.length, Math.ceil((n * 4) / chunk));
      assert.ok(chunks.every((c) => c.byteLength > 0 && c.byteLength <= chunk));
      assert.deepEqual(back, values);
    });
  }

  it('decodes bytes that start at an odd offset', () => {
    const values = randomFloats(33, 3);
    const shifted = new Uint8Array(values.byteLength + 1);
    shifted.set(float32ToBytes(values), 1);
    assert.deepEqual(bytesToFloat32(shifted.subarray(1)), values);
  });

  it('rejects a byte length that is not a multiple of 4', () => {
    assert.throws(
      () => bytesToFloat32(new Uint8Array(7)),
      (e: unknown) =>
        e instanceof InvalidUpdateError && e.code === 'FS_ERR_INVALID_UPDATE' && /multiple of 4/.test(e.message),
    );
  });

  it('refuses more bytes than declared, missing bytes and a wrong hash', async () => {
    const asm = new ChunkAssembler(8);
    asm.push(new Uint8Array(6));
    assert.throws(() => asm.push(new Uint8Array(3)), /more bytes than declared: 9 > 8/);
    await assert.rejects(asm.finish(), /ended after 6 of 8/);
    const full = new ChunkAssembler(4);
    full.push(new Uint8Array(4));
    await assert.rejects(
      full.finish('00'.repeat(32)),
      (e: unknown) => e instanceof InvalidUpdateError && /SHA-256 mismatch/.test(e.message),
    );
  });

  it('rejects chunk sizes that are not positive integers', () => {
    assert.throws(() => [...chunkBytes(new Uint8Array(4), 0)], RangeError);
  });

  it('finds the first non-finite value', () => {
    assert.equal(firstNonFinite(new Float32Array([1, 2, 3])), -1);
    assert.equal(firstNonFinite(new Float32Array([1, NaN, Infinity])), 1);
    assert.equal(firstNonFinite(new Float32Array([1, 2, -Infinity])), 2);
  });

  it('finds a non-finite value at any position of a range (each of its four sums, the tail), none outside it', () => {
    // Prepare: 11 finite values, the extremes of float32 among them (x·0 must stay 0 for them)
    const clean = Float32Array.from([3.4e38, -3.4e38, 1e-45, -0, 0, 7, -1, 2, 3, 4, 5]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let p = 0; p < clean.length; p++) {
        const values = clean.slice();
        values[p] = bad;
        // Execute + Assert
        assert.equal(firstNonFinite(values), p, `${bad} at ${p}`);
        assert.equal(firstNonFinite(values, 0, p), -1, `before ${p}`);
        assert.equal(firstNonFinite(values, p + 1), -1, `after ${p}`);
        assert.equal(firstNonFinite(values, Math.max(0, p - 2), p + 1), p, `in a range ending at ${p}`);
      }
    }
    assert.equal(firstNonFinite(clean), -1);
  });

  it('compares tensor specs by name, shape and dtype', () => {
    const a = [{ name: 'w', shape: [2, 3], dtype: 'float32' as const }];
    assert.equal(totalBytes(a), 24);
    assert.doesNotThrow(() => assertSameSpecs(a, [{ name: 'w', shape: [2, 3], dtype: 'float32' }]));
    assert.throws(
      () => assertSameSpecs(a, [{ name: 'w', shape: [3, 2], dtype: 'float32' }]),
      /expected w float32\[2,3\], got w float32\[3,2\]/,
    );
    assert.throws(() => assertSameSpecs(a, []), /update has 0 tensors, the model has 1/);
  });
});
