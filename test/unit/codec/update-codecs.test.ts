import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  codecSpecProblem,
  decodeFp16Into,
  encodedByteRange,
  encodeFp16,
  encodeUpdate,
  formatCodecSpec,
  forEachDecodedBlock,
  maxNonzeros,
  parseCodecSpec,
  type CodecSpec,
} from '../../../shared/codec/index.js';
import { createRng } from '../../../shared/random/index.js';
import { decodeDelta, encodeDelta, randomValues } from '../../helpers/update-codecs.js';

/** The float32 value of every binary16 pattern, decoded one by one from its two little-endian bytes. */
function allHalves(): Float32Array {
  const bytes = new Uint8Array(2 * 65_536);
  for (let h = 0; h < 65_536; h++) [bytes[2 * h], bytes[2 * h + 1]] = [h & 0xff, h >>> 8];
  const out = new Float32Array(65_536);
  decodeFp16Into(bytes, out);
  return out;
}

const halfBits = (x: number): number => {
  const b = encodeFp16(new Float32Array([x]));
  return b[0]! | (b[1]! << 8);
};

describe('update codec specs', () => {
  for (const [text, spec, canonical] of [
    ['none', { kind: 'none' }, 'none'],
    ['fp16', { kind: 'fp16' }, 'fp16'],
    ['int8', { kind: 'int8', blockSize: 256 }, 'int8'],
    ['int8:64', { kind: 'int8', blockSize: 64 }, 'int8:64'],
    ['int8:256', { kind: 'int8', blockSize: 256 }, 'int8'],
    ['topk:0.05', { kind: 'topk', fraction: 0.05, int8BlockSize: null }, 'topk:0.05'],
    ['topk:.1+int8', { kind: 'topk', fraction: 0.1, int8BlockSize: 256 }, 'topk:0.1+int8'],
    ['topk:1e-3+int8:16', { kind: 'topk', fraction: 0.001, int8BlockSize: 16 }, 'topk:0.001+int8:16'],
  ] as const) {
    it(`parses "${text}" and formats it as "${canonical}"`, () => {
      const parsed = parseCodecSpec(text);
      assert.deepEqual(parsed, spec);
      assert.equal(formatCodecSpec(parsed), canonical);
      assert.deepEqual(parseCodecSpec(canonical), spec);
    });
  }

  for (const [text, fragment] of [
    ['int8:8', /"int8:8": int8 block size 8 is not an integer in \[16, 65536\]/],
    ['int8:65537', /block size 65537/],
    ['int8:1.5', /block size "1.5" is not an integer/],
    ['int8:', /block size "" is not an integer/],
    ['topk:0', /fraction 0 is not in \(0, 1\)/],
    ['topk:1', /fraction 1 is not in \(0, 1\)/],
    ['topk:abc', /fraction "abc" is not a number/],
    ['topk:0.1+fp16', /top-k values can only be "\+int8"/],
    ['topk:0.1+int8:4', /top-k int8 block size 4/],
    ['topk', /expected none, fp16/],
    ['zstd', /"zstd": expected none, fp16/],
  ] as const) {
    it(`refuses "${text}", naming the bad part`, () => {
      assert.throws(
        () => parseCodecSpec(text),
        (e: unknown) => e instanceof RangeError && fragment.test(e.message),
      );
    });
  }

  it('finds the problem in a spec built elsewhere (a wire header)', () => {
    assert.equal(codecSpecProblem({ kind: 'int8', blockSize: 256 }), null);
    assert.match(codecSpecProblem({ kind: 'int8', blockSize: 0 })!, /int8 block size 0/);
    assert.match(codecSpecProblem({ kind: 'topk', fraction: NaN, int8BlockSize: null })!, /fraction NaN/);
    assert.match(codecSpecProblem({ kind: 'zip' } as unknown as CodecSpec)!, /unknown codec kind "zip"/);
  });

  it('counts top-k entries as ⌈f·n⌉ within [1, n], without float noise', () => {
    const topk = (fraction: number) => parseCodecSpec(`topk:${fraction}`);
    assert.equal(maxNonzeros(topk(0.07), 100), 7); // 0.07·100 = 7.000000000000001 in float64
    assert.equal(maxNonzeros(topk(0.05), 101), 6);
    assert.equal(maxNonzeros(topk(0.001), 10), 1);
    assert.equal(maxNonzeros(topk(0.999), 3), 3);
    assert.equal(maxNonzeros(topk(0.5), 0), 0);
    assert.equal(maxNonzeros(parseCodecSpec('int8'), 1234), 1234);
  });

  it('sizes each codec: exact for the dense ones, a range for top-k', () => {
    assert.deepEqual(encodedByteRange(parseCodecSpec('none'), 1000, 0), { min: 4000, max: 4000 });
    assert.deepEqual(encodedByteRange(parseCodecSpec('fp16'), 1000, 0), { min: 2000, max: 2000 });
    assert.deepEqual(encodedByteRange(parseCodecSpec('int8:256'), 1000, 0), { min: 1016, max: 1016 });
    // 300 entries over n = 20000: gaps of 1 to 3 varint bytes; values 300·4 or 300 + 4·⌈300/256⌉
    assert.deepEqual(encodedByteRange(parseCodecSpec('topk:0.015'), 20_000, 300), { min: 1500, max: 2100 });
    assert.deepEqual(encodedByteRange(parseCodecSpec('topk:0.015+int8'), 20_000, 300), { min: 608, max: 1208 });
    assert.throws(() => encodedByteRange(parseCodecSpec('none'), -1, 0), RangeError);
  });
});

describe('fp16 (IEEE 754 binary16)', () => {
  it('encodes known values bit for bit, ties to even', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [-0, 0x8000],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // halfway between 0 and 2⁻²⁴: even is 0
      [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 steps: even is 2
      [1 + 2 ** -11, 0x3c00], // halfway, mantissa 0 is even
      [1 + 3 * 2 ** -11, 0x3c02], // halfway, mantissa 1 is odd: up
      [2 ** -14 - 2 ** -25, 0x0400], // halfway between the largest subnormal (odd) and 2⁻¹⁴
    ];
    for (const [x, bits] of cases) assert.equal(halfBits(x), bits, `${x}`);
  });

  it('decodes every binary16 pattern and encodes each finite one back to itself', () => {
    const values = allHalves();
    for (let h = 0; h < 65_536; h++) {
      if ((h & 0x7c00) === 0x7c00) {
        assert.ok((h & 0x3ff) === 0 ? values[h] === (h & 0x8000 ? -Infinity : Infinity) : Number.isNaN(values[h]));
      } else assert.equal(halfBits(values[h]!), h, `pattern 0x${h.toString(16)}`);
    }
  });

  it('rounds random float32 values to the nearest binary16', () => {
    const values = allHalves();
    const rng = createRng(16);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.fround(2 ** (rng.next() * 42 - 26) * (1 + rng.next())); // 2⁻²⁶ … 2¹⁶
      if (x >= 65_520) continue;
      const h = halfBits(x);
      const error = Math.abs(x - values[h]!);
      for (const other of [h - 1, h + 1].filter((o) => o >= 0 && o <= 0x7bff)) {
        const otherError = Math.abs(x - values[other]!);
        assert.ok(error < otherError || (error === otherError && (h & 1) === 0), `${x}: 0x${h.toString(16)}`);
      }
      assert.equal(halfBits(-x), h | 0x8000);
    }
  });

  it('refuses NaN, ±Infinity and magnitudes that round to infinity, naming the value', () => {
    for (const bad of [NaN, Infinity, -Infinity, 65_520, -1e6]) {
      assert.throws(
        () => encodeFp16(new Float32Array([0, 1, bad])),
        (e: unknown) => e instanceof RangeError && /fp16: value 2 \(.*\) has no finite binary16/.test(e.message),
      );
    }
  });

  it('decodes from any byte offset and refuses a length that is not 2 bytes per value', () => {
    const shifted = new Uint8Array(7);
    shifted.set([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00], 1); // 1, −2, 2⁻²⁴
    const out = new Float32Array(3);
    decodeFp16Into(shifted.subarray(1), out);
    assert.deepEqual([...out], [1, -2, 2 ** -24]);
    assert.throws(() => decodeFp16Into(new Uint8Array(5), out), /5 bytes cannot hold 3 values/);
  });
});

describe('fp16 and int8 updates', () => {
  it('fp16: the decoded delta is within half a binary16 step of the delta', () => {
    const wanted = randomValues(5000, 1, 0.01);
    wanted.set([0, -0, 2 ** -30, -(2 ** -20), 65_000, -60_000, 1e-8], 0);
    const { spec, enc, delta } = encodeDelta('fp16', wanted, new Float32Array(wanted.length));
    const decoded = decodeDelta(spec, enc, delta.length);
    assert.equal(enc.bytes.length, 2 * delta.length);
    delta.forEach((d, i) => {
      const bound = Math.max(2 ** -25, Math.abs(d) * 2 ** -11);
      assert.ok(Math.abs(d - decoded[i]!) <= bound, `δ[${i}] = ${d}, decoded ${decoded[i]}`);
    });
  });

  it('fp16: refuses a delta beyond the binary16 range and a non-finite weight', () => {
    const g = new Float32Array(4);
    const spec = parseCodecSpec('fp16');
    assert.throws(() => encodeUpdate(spec, new Float32Array([0, 0, 7e4, 0]), g), /delta 2 = 70000 is beyond/);
    assert.throws(
      () => encodeUpdate(spec, new Float32Array([0, NaN, 0, 0]), g),
      (e: unknown) => e instanceof RangeError && /update value 1: w − g = NaN is not finite/.test(e.message),
    );
  });

  const huge = (n: number, block: number) => {
    const v = randomValues(n, 4, 1e-3);
    for (let b = 0; b < n; b += block) v[b + ((b * 7) % Math.min(block, n - b))] = b % 2 ? 1e30 : -1e30;
    return v;
  };
  const cases: [string, string, Float32Array][] = [
    ['random, last block short', 'int8', randomValues(1000, 2, 0.01)],
    ['n smaller than the block', 'int8', randomValues(10, 3, 0.01)],
    ['all-zero blocks', 'int8:16', randomValues(80, 5).map((v, i) => (i < 16 || i >= 48 ? 0 : v))],
    ['one huge value per block', 'int8:64', huge(1000, 64)],
    ['subnormals', 'int8:16', randomValues(40, 6, 1e-40)],
    ['the largest float32 magnitudes', 'int8:16', Float32Array.from([3.4e38, -3.4e38, 1, -1e38])],
    ['block 65536 over 70000 values', 'int8:65536', randomValues(70_000, 8, 0.01)],
  ];
  for (const [title, text, wanted] of cases) {
    it(`int8 (${title}): each value within s/254 of its block's scale s, scale and size as laid out`, () => {
      const { spec, enc, delta } = encodeDelta(text, wanted, new Float32Array(wanted.length));
      const B = (spec as { blockSize: number }).blockSize;
      const decoded = decodeDelta(spec, enc, delta.length);
      const view = new DataView(enc.bytes.buffer, enc.bytes.byteOffset);
      assert.equal(enc.bytes.length, delta.length + 4 * Math.ceil(delta.length / B));
      for (let b = 0; b * B < delta.length; b++) {
        const block = delta.subarray(b * B, (b + 1) * B);
        const scale = block.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.equal(view.getFloat32(b * (B + 4), true), scale, `scale of block ${b}`);
        const bound = scale / 254 + scale * 2 ** -22 + 2 ** -149;
        block.forEach((d, j) => {
          const i = b * B + j;
          assert.ok(Math.abs(d - decoded[i]!) <= bound, `δ[${i}] = ${d}, decoded ${decoded[i]}, bound ${bound}`);
        });
        if (scale === 0) assert.ok(enc.bytes.subarray(b * (B + 4), (b + 1) * (B + 4)).every((x) => x === 0));
      }
    });
  }

  it('int8: refuses non-finite weights, naming the index', () => {
    const spec = parseCodecSpec('int8:16');
    const w = new Float32Array(40);
    w[33] = -Infinity;
    assert.throws(() => encodeUpdate(spec, w, new Float32Array(40)), /update value 33: w − g = -Infinity/);
    assert.throws(
      () => encodeUpdate(spec, new Float32Array(40), new Float32Array(39)),
      /40 values, the global model 39/,
    );
  });
});

describe('bytes on the wire', () => {
  it('meets the acceptance ratios: fp16 0.5, int8 ≤ 0.27, topk:0.05+int8 ≤ 0.08 with indices', () => {
    const n = 100_000;
    const g = randomValues(n, 9, 0.1);
    const w = Float32Array.from(randomValues(n, 10, 0.01), (d, i) => g[i]! + d);
    const ratio = (text: string) => encodeUpdate(parseCodecSpec(text), w, g).bytes.length / (4 * n);
    const [none, fp16, int8, topkInt8, topk] = ['none', 'fp16', 'int8', 'topk:0.05+int8', 'topk:0.05'].map(ratio);
    assert.equal(none, 1);
    assert.equal(fp16, 0.5);
    assert.ok(int8! <= 0.27, `int8 ${int8}`);
    assert.ok(topkInt8! <= 0.08, `topk+int8 ${topkInt8}`);
    assert.ok(topk! <= 0.08, `topk ${topk}`);
  });
});

describe('forEachDecodedBlock', () => {
  for (const text of ['none', 'fp16', 'int8', 'int8:100', 'topk:0.01', 'topk:0.2+int8:64']) {
    it(`${text}: hands g + δ̂ over in consecutive blocks of at most 65536 values covering [0, n)`, () => {
      const n = 150_001;
      const { spec, enc, w, g } = encodeDelta(text, randomValues(n, 10, 0.01));
      const delta = decodeDelta(spec, enc, n);
      let next = 0;
      const scratch = new Float32Array(65_536);
      forEachDecodedBlock(
        spec,
        enc.bytes,
        n,
        enc.nonzeros,
        g,
        (offset, block) => {
          assert.equal(offset, next);
          assert.ok(block.length > 0 && block.length <= 65_536);
          if (spec.kind === 'int8' && offset + block.length < n) assert.equal(block.length % spec.blockSize, 0);
          for (let j = 0; j < block.length; j++) {
            const i = offset + j;
            const expected = spec.kind === 'none' ? w[i]! : g[i]! + delta[i]!;
            // int8 adds q·s/127 to g before rounding to float32 once; δ̂ alone was rounded as well
            const tolerance = (Math.abs(g[i]!) + Math.abs(delta[i]!)) * 2 ** -23;
            if (!(Math.abs(block[j]! - expected) <= tolerance)) assert.fail(`x[${i}]: ${block[j]} vs ${expected}`);
          }
          next += block.length;
        },
        scratch,
      );
      assert.equal(next, n);
    });
  }

  it('top-k: blocks without any entry carry the global model unchanged', () => {
    const n = 200_000;
    const { spec, enc, g } = encodeDelta('topk:0.00001', randomValues(n, 11));
    const touched: number[] = [];
    forEachDecodedBlock(spec, enc.bytes, n, enc.nonzeros, g, (offset, block) => {
      if (block.some((x, j) => x !== g[offset + j])) touched.push(offset);
    });
    assert.equal(enc.nonzeros, 2);
    assert.ok(touched.length >= 1 && touched.length <= 2);
  });

  it('refuses a g of the wrong length and a scratch too small (caller errors)', () => {
    const { spec, enc } = encodeDelta('int8', randomValues(100, 12));
    assert.throws(() => forEachDecodedBlock(spec, enc.bytes, 100, 100, new Float32Array(99), () => {}), RangeError);
    const small = new Float32Array(99);
    assert.throws(() => forEachDecodedBlock(spec, enc.bytes, 100, 100, new Float32Array(100), () => {}, small), /99/);
  });
});
