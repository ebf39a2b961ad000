import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeUpdate,
  encodeUpdateLazily,
  foldDecoded,
  forEachDecodedBlock,
  parseCodecSpec,
} from '../../../shared/codec/index.js';
import { InvalidUpdateError } from '../../../shared/errors/index.js';
import { encodeDelta, randomValues } from '../../helpers/update-codecs.js';

const N = 1_000; // not a whole number of int8 blocks: the last one is short

describe('lazy encoding (encodeUpdateLazily)', () => {
  for (const text of ['fp16', 'int8', 'int8:64', 'topk:0.1+int8', 'none']) {
    it(`${text}: asked for in uneven pieces, writes the bytes encodeUpdate writes, each piece before it is used`, () => {
      const spec = parseCodecSpec(text);
      const g = randomValues(N, 1, 0.1);
      const w = Float32Array.from(randomValues(N, 2, 1e-3), (d, i) => g[i]! + d);
      const whole = encodeUpdate(spec, w, g).bytes;
      const lazy = encodeUpdateLazily(spec, w, g);
      assert.equal(lazy.bytes.length, whole.length);
      for (let end = 0; end < whole.length;) {
        end = Math.min(whole.length, end + 1 + ((end * 7919) % 301));
        lazy.encodeTo(end);
        assert.deepEqual(lazy.bytes.subarray(0, end), whole.subarray(0, end), `bytes [0, ${end})`);
      }
      lazy.encodeTo(whole.length); // asking again changes nothing
      assert.deepEqual(lazy.bytes, whole);
    });
  }

  it('int8 and fp16: leaves the bytes past what was asked for unwritten, and throws for a NaN only on reaching it', () => {
    for (const text of ['int8:16', 'fp16']) {
      const g = new Float32Array(64);
      const w = randomValues(64, 3);
      w[50] = NaN;
      const lazy = encodeUpdateLazily(parseCodecSpec(text), w, g);
      lazy.encodeTo(20);
      assert.ok(
        lazy.bytes.subarray(64).every((b) => b === 0),
        `${text}: the tail is not written yet`,
      );
      assert.throws(() => lazy.encodeTo(lazy.bytes.length), /update value 50: w − g = NaN is not finite/, text);
    }
  });
});

describe('foldDecoded', () => {
  /** mean after folding forEachDecodedBlock's blocks with the running-mean step, the reference. */
  const byBlocks = (
    text: string,
    bytes: Uint8Array,
    nonzeros: number,
    g: Float32Array,
    start: Float32Array,
    r: number,
  ) => {
    const mean = start.slice();
    forEachDecodedBlock(parseCodecSpec(text), bytes, N, nonzeros, g, (offset, x) => {
      for (let i = 0; i < x.length; i++)
        mean[offset + i] = r === 1 ? x[i]! : mean[offset + i]! + r * (x[i]! - mean[offset + i]!);
    });
    return mean;
  };

  for (const text of ['fp16', 'int8', 'int8:64', 'topk:0.05', 'topk:0.05+int8', 'none']) {
    for (const r of [1, 0.3]) {
      it(`${text}, r = ${r}: bit for bit the step over forEachDecodedBlock's values`, () => {
        const { enc, g } = encodeDelta(text, randomValues(N, 4, 1e-2));
        const start = randomValues(N, 5, 0.1);
        const mean = start.slice();
        foldDecoded(parseCodecSpec(text), enc.bytes, N, enc.nonzeros, g, mean, r);
        assert.deepEqual(mean, byBlocks(text, enc.bytes, enc.nonzeros, g, start, r));
        if (r === 1) assert.notDeepEqual(mean, start, 'r = 1 replaces the mean');
      });
    }
  }

  it('refuses a payload of the wrong size before changing the mean, a bad int8 scale, and a mean of the wrong length', () => {
    const { enc, g } = encodeDelta('int8:16', randomValues(32, 6));
    const mean = new Float32Array(32);
    const int8 = parseCodecSpec('int8:16');
    assert.throws(
      () => foldDecoded(int8, enc.bytes.subarray(1), 32, 32, g, mean, 1),
      (e) => e instanceof InvalidUpdateError && /int8 update of 32 values takes 40 bytes, got 39/.test(e.message),
    );
    assert.ok(mean.every((v) => v === 0));
    const badScale = enc.bytes.slice();
    new DataView(badScale.buffer).setFloat32(0, NaN, true);
    assert.throws(() => foldDecoded(int8, badScale, 32, 32, g, mean, 1), /int8 block 0 \(byte 0\): scale NaN/);
    assert.throws(() => foldDecoded(int8, enc.bytes, 32, 32, g, new Float32Array(31), 1), RangeError);
  });
});
