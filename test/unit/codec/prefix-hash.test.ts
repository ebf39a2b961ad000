import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256Hex, sharedBytes } from '../../../shared/codec/index.js';
import { prefixHash } from '../../../shared/codec/prefix-hash.js';

/** Fills `buffer` from `source` front to back in steps of the given sizes (cycled), advancing `hash` after each. */
function fillInSteps(
  buffer: Uint8Array,
  source: Uint8Array,
  steps: number[],
  hash: ReturnType<typeof prefixHash>,
): void {
  for (let at = 0, k = 0; at < source.length; k++) {
    const end = Math.min(source.length, at + steps[k % steps.length]!);
    buffer.set(source.subarray(at, end), at);
    hash.advance((at = end));
  }
}

describe('prefixHash', () => {
  it('gives the SHA-256 of the whole buffer, on the hashing thread (shared memory) and in this thread alike', async () => {
    // Prepare: 3 MB + 7 bytes, filled in steps below and above the thread's 256 KiB batching
    const source = randomBytes(3_000_007);
    const shared = sharedBytes(source.length);
    const ordinary = new Uint8Array(source.length);
    // Execute
    const onThread = prefixHash(shared);
    const inThread = prefixHash(ordinary);
    fillInSteps(shared, source, [1, 70_000, 1_048_576, 3], onThread);
    fillInSteps(ordinary, source, [1_000_000], inThread);
    // Check
    assert.equal(await onThread.digest(), sha256Hex(source));
    assert.equal(await inThread.digest(), sha256Hex(source));
  });

  it('keeps interleaved transfers apart on the one hashing thread, and an abandoned one does not disturb the others', async () => {
    // Prepare: three transfers filled turn by turn; the second is abandoned half-way
    const sources = [randomBytes(900_000), randomBytes(600_000), randomBytes(1_300_001)];
    const buffers = sources.map((s) => sharedBytes(s.length));
    const hashes = buffers.map((b) => prefixHash(b));
    // Execute
    for (let at = 0; at < 1_300_001; at += 100_000) {
      sources.forEach((s, i) => {
        if (i === 1 && at >= 300_000) return;
        const end = Math.min(s.length, at + 100_000);
        if (at < end) (buffers[i]!.set(s.subarray(at, end), at), hashes[i]!.advance(end));
      });
    }
    hashes[1]!.abandon();
    // Check
    assert.equal(await hashes[0]!.digest(), sha256Hex(sources[0]!));
    assert.equal(await hashes[2]!.digest(), sha256Hex(sources[2]!));
  });

  it('refuses a second digest or one after abandon, and the thread keeps serving the other transfers', async () => {
    // Prepare: two transfers on the hashing thread, one in this thread
    const source = randomBytes(300_000);
    const [done, dropped, other] = [0, 1, 2].map(() => sharedBytes(source.length));
    const ordinary = new Uint8Array(source.length);
    const hashes = [prefixHash(done!), prefixHash(dropped!), prefixHash(other!), prefixHash(ordinary)];
    [done, dropped, other, ordinary].forEach((b, i) => fillInSteps(b!, source, [300_000], hashes[i]!));
    // Execute
    const first = await hashes[0]!.digest();
    hashes[1]!.abandon();
    hashes[1]!.advance(source.length); // ignored once ended
    const inThread = await hashes[3]!.digest();
    // Check
    await assert.rejects(hashes[0]!.digest(), /already ended/);
    await assert.rejects(hashes[1]!.digest(), /already ended/);
    await assert.rejects(hashes[3]!.digest(), /already ended/);
    assert.equal(first, sha256Hex(source));
    assert.equal(inThread, sha256Hex(source));
    assert.equal(await hashes[2]!.digest(), sha256Hex(source));
  });
});
