import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeltaScanner,
  encodedByteRange,
  encodeUpdate,
  forEachDecodedBlock,
  parseCodecSpec,
  type CodecSpec,
} from '../../../shared/codec/index.js';
import { InvalidUpdateError } from '../../../shared/errors/index.js';
import { createRng } from '../../../shared/random/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import {
  decodeDelta,
  deltaOf,
  encodeDelta,
  f32,
  randomValues,
  scan,
  topkBytes,
  varint,
} from '../../helpers/update-codecs.js';

/** a = fround(fround(w − g) + r): what the encoder selects from, computed before the residual buffer is overwritten. */
const accumulated = (w: Float32Array, g: Float32Array, r: Float32Array) =>
  Float32Array.from(deltaOf(w, g), (d, i) => d + r[i]!);

describe('top-k with error feedback', () => {
  it('sends the k largest magnitudes, ties going to the lower index', () => {
    const rng = createRng(20);
    const levels = [0.5, 1, 1.5, 2];
    const w = Float32Array.from(
      { length: 2000 },
      () => levels[Math.floor(rng.next() * 4)]! * (rng.next() < 0.5 ? -1 : 1),
    );
    const { residual } = encodeUpdate(parseCodecSpec('topk:0.1'), w, new Float32Array(2000));
    const sent = [...residual!.keys()].filter((i) => residual![i] === 0); // every a_i ≠ 0: sent ⟺ residual 0
    const expected = [...w.keys()]
      .sort((i, j) => Math.abs(w[j]!) - Math.abs(w[i]!) || i - j)
      .slice(0, 200)
      .sort((i, j) => i - j);
    assert.deepEqual(sent, expected);
  });

  it('float32 values: decode(sent) + residual equals δ + previous residual exactly, round after round', () => {
    const spec = parseCodecSpec('topk:0.05');
    const n = 10_000;
    const g = randomValues(n, 21, 0.1);
    let residual: Float32Array | undefined;
    for (let round = 0; round < 3; round++) {
      const w = Float32Array.from(randomValues(n, 22 + round, 0.01), (d, i) => g[i]! + d);
      const a = accumulated(w, g, residual ?? new Float32Array(n));
      const enc = encodeUpdate(spec, w, g, residual);
      const sent = decodeDelta(spec, enc, n);
      assert.equal(enc.nonzeros, 500);
      a.forEach((v, i) => assert.equal(sent[i]! + enc.residual![i]!, v, `round ${round}, entry ${i}`));
      if (residual) assert.equal(enc.residual, residual, 'the residual buffer is reused');
      residual = enc.residual!;
    }
  });

  it('int8 values: decode(sent) + residual equals a up to the float32 rounding of the residual', () => {
    // residual = fround(a − δ̂): exact only when δ̂ lies within [a/2, 2a] (Sterbenz); otherwise a − δ̂ needs more than
    // 24 significant bits and storing it as float32 rounds, by at most half an ulp of the residual
    const spec = parseCodecSpec('topk:0.05+int8:64');
    const n = 10_000;
    const g = randomValues(n, 23, 0.1);
    const w = Float32Array.from(randomValues(n, 24, 0.01), (d, i) => g[i]! + d);
    const previous = randomValues(n, 25, 0.001);
    const a = accumulated(w, g, previous);
    const enc = encodeUpdate(spec, w, g, previous);
    const sent = decodeDelta(spec, enc, n);
    const maxSent = sent.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    a.forEach((v, i) => {
      const r = enc.residual![i]!;
      assert.ok(Math.abs(sent[i]! + r - v) <= Math.abs(r) * 2 ** -24, `entry ${i}: ${sent[i]} + ${r} vs ${v}`);
      if (sent[i] !== 0) assert.ok(Math.abs(r) <= (maxSent / 254) * (1 + 2 ** -20), `sent entry ${i} keeps ${r}`);
    });
  });

  for (const text of ['topk:0.002', 'topk:0.002+int8:64']) {
    it(`${text}: several groups and multi-byte index gaps round-trip within the declared size range`, () => {
      const n = 300_000;
      const { spec, enc, delta } = encodeDelta(text, randomValues(n, 26, 0.01));
      const sent = decodeDelta(spec, enc, n);
      const { min, max } = encodedByteRange(spec, n, enc.nonzeros);
      assert.equal(enc.nonzeros, 600);
      assert.ok(enc.bytes.length > min && enc.bytes.length <= max, `${min} < ${enc.bytes.length} ≤ ${max}`);
      const indices = [...sent.keys()].filter((i) => sent[i] !== 0);
      assert.equal(indices.length, 600);
      for (const i of indices) assert.ok(Math.abs(sent[i]! - delta[i]!) <= Math.abs(delta[i]!) / 127);
    });
  }

  it('refuses a residual of the wrong length and a non-finite δ + residual', () => {
    const spec = parseCodecSpec('topk:0.1');
    const zeros = new Float32Array(10);
    assert.throws(() => encodeUpdate(spec, zeros, zeros, new Float32Array(9)), /residual has 9 values, the update 10/);
    const residual = new Float32Array(10);
    residual[4] = 3e38;
    const w = new Float32Array(10).fill(3e38);
    assert.throws(() => encodeUpdate(spec, w, zeros, residual), /update value 4: w − g \+ residual = Infinity/);
  });
});

describe('DeltaScanner', () => {
  for (const text of ['fp16', 'int8', 'int8:16', 'topk:0.01', 'topk:0.01+int8:32']) {
    it(`${text}: the same Σδ̂² and values however the bytes are split`, () => {
      const n = 20_000;
      const { spec, enc } = encodeDelta(text, randomValues(n, 27, 0.01));
      const whole = scan(spec, enc.bytes, n, enc.nonzeros);
      const expected = decodeDelta(spec, enc, n).reduce((s, v) => s + v * v, 0);
      assert.ok(Math.abs(whole.sumOfSquares - expected) <= expected * 1e-6, `${whole.sumOfSquares} vs ${expected}`);
      for (const pieces of [[1], [7, 3, 1000], [65_537]])
        assert.deepEqual(scan(spec, enc.bytes, n, enc.nonzeros, pieces), whole);
    });
  }

  it('refuses codec none, a declared entry count above k, and upTo moving backwards', () => {
    assert.throws(() => new DeltaScanner(parseCodecSpec('none'), 10, 0), RangeError);
    assert.throws(
      () => new DeltaScanner(parseCodecSpec('topk:0.5'), 10, 6),
      fedsiftError(InvalidUpdateError, /declares 6 entries; 10 parameters allow 0 to 5/),
    );
    const scanner = new DeltaScanner(parseCodecSpec('int8:16'), 16, 0);
    scanner.advance(new Uint8Array(20), 20);
    assert.throws(() => scanner.advance(new Uint8Array(20), 10), RangeError);
  });

  it('refuses missing and extra bytes', () => {
    const { spec, enc } = encodeDelta('int8:16', randomValues(40, 28));
    const short = enc.bytes.subarray(0, enc.bytes.length - 1);
    assert.throws(
      () => scan(spec, short, 40, 0),
      fedsiftError(InvalidUpdateError, /ends at byte 51 with 32 of 40 values/),
    );
    const long = Uint8Array.from([...enc.bytes, 0]);
    const early = new DeltaScanner(spec, 40, 0);
    assert.throws(() => early.advance(long, long.length), /bytes past its end: 53 bytes/, 'refused as they arrive');
    assert.throws(() => scan(spec, long, 40, 0), fedsiftError(InvalidUpdateError, /bytes past its end: 53 bytes/));
    assert.throws(
      () => forEachDecodedBlock(spec, long, 40, 0, new Float32Array(40), () => {}),
      /takes 52 bytes, got 53/,
    );
  });
});

/**
 * Decoding `bytes` with the scanner (whole, and byte by byte) fails with `fragment`, and so does forEachDecodedBlock
 * where it checks the same (structure, scales, top-k entries; dense values are the scanner's to check).
 */
function refused(spec: CodecSpec, bytes: Uint8Array, n: number, nonzeros: number, fragment: RegExp, fold = true) {
  const check = fedsiftError(InvalidUpdateError, fragment);
  assert.throws(() => scan(spec, bytes, n, nonzeros), check);
  assert.throws(() => scan(spec, bytes, n, nonzeros, [1]), check);
  if (fold) assert.throws(() => forEachDecodedBlock(spec, bytes, n, nonzeros, new Float32Array(n), () => {}), check);
}

describe('malformed bytes', () => {
  const int8 = parseCodecSpec('int8:16');
  const block = (scale: number, q = 1) => Uint8Array.from([...f32(scale), ...new Array<number>(16).fill(q)]);
  for (const [title, bytes, fragment, fold] of [
    ['a NaN scale', block(NaN), /int8 block 1 \(byte 20\): scale NaN is not a finite number ≥ 0/, true],
    ['an infinite scale', block(Infinity), /int8 block 1 \(byte 20\): scale Infinity/, true],
    ['a negative scale', block(-1), /int8 block 1 \(byte 20\): scale -1/, true],
    ['a value of −128', block(1, 0x80), /int8 block 1 \(byte 24\): value −128 is outside \[−127, 127\]/, false],
  ] as const) {
    it(`int8: refuses ${title}`, () => refused(int8, Uint8Array.from([...block(1), ...bytes]), 32, 0, fragment, fold));
  }

  it('fp16: refuses NaN and infinity patterns, naming the value', () => {
    const fp16 = parseCodecSpec('fp16');
    refused(
      fp16,
      Uint8Array.from([0, 0x3c, 0x00, 0x7e, 0, 0]),
      3,
      0,
      /fp16 value 1 \(byte 2\): NaN is not finite/,
      false,
    );
    refused(fp16, Uint8Array.from([0, 0x3c, 0, 0, 0x00, 0xfc]), 3, 0, /fp16 value 2 \(byte 4\): -Infinity/, false);
  });

  // n = 10, topk:0.5 → k = 5: indices 0, 2, 3, 6, 7 as gaps 1, 2, 1, 3, 1
  const topk = parseCodecSpec('topk:0.5');
  const values = [1, -2, 3, -4, 5].flatMap(f32);
  it('top-k: well-formed hand-made payloads decode, one- and multi-byte gaps alike', () => {
    const bytes = topkBytes([1, 2, 1, 3, 1], values);
    assert.deepEqual(
      [...decodeDelta(topk, { bytes, nonzeros: 5, residual: null }, 10)],
      [1, 0, -2, 3, 0, 0, -4, 5, 0, 0],
    );
    const sparse = parseCodecSpec('topk:0.00005'); // n = 100000: k = 5
    const gaps = [1, 300, 20_000, 1, 70_000].flatMap(varint);
    const decoded = decodeDelta(sparse, { bytes: topkBytes(gaps, values), nonzeros: 5, residual: null }, 100_000);
    assert.equal(gaps.length, 10);
    assert.deepEqual(
      [0, 300, 20_300, 20_301, 90_301].map((i) => decoded[i]),
      [1, -2, 3, -4, 5],
    );
    assert.equal(decoded.filter((v) => v !== 0).length, 5);
  });
  for (const [title, bytes, nonzeros, fragment] of [
    ['a gap of 0', topkBytes([1, 2, 0, 3, 1], values), 5, /entry 2 \(byte 2\): index gap 0/],
    ['an index ≥ n', topkBytes([1, 2, 1, 3, 4], values), 5, /entry 4 \(byte 4\): index 10 ≥ n = 10/],
    ['a varint over 5 bytes', topkBytes([0x81, 0x80, 0x80, 0x80, 0x80, 0], values), 5, /longer than 5 bytes/],
    [
      'a varint that is not minimal',
      topkBytes([1, 0x82, 0x00, 1, 3, 1], values),
      5,
      /entry 1 \(byte 1\): .*not minimal/,
    ],
    [
      'a NaN value',
      topkBytes([1, 2, 1, 3, 1], values.slice(0, 12), f32(NaN), f32(5)),
      5,
      /entry 3 \(byte 17\): value NaN/,
    ],
    ['a truncated payload', topkBytes([1, 2, 1, 3, 1], values.slice(0, 19)), 5, /ends at byte 24 .*0 of 5 .*entries/],
    ['extra bytes', topkBytes([1, 2, 1, 3, 1], values, [0]), 5, /bytes past its end: 26 bytes/],
    ['more entries than declared', topkBytes([1, 2, 1, 3, 1], values), 4, /past its end/],
    // the first value byte (0x01) reads as a fifth gap; its values never arrive
    ['fewer entries than declared', topkBytes([1, 2, 1, 3], [1.0000001, -2, 3, -4].flatMap(f32)), 5, /ends at byte 20/],
    ['more entries than k', topkBytes([1, 1, 1, 1, 1, 1], values, f32(6)), 6, /declares 6 entries; 10 parameters/],
  ] as const) {
    it(`top-k: refuses ${title}`, () => refused(topk, bytes, 10, nonzeros, fragment));
  }
  for (const [title, scale, q, fragment] of [
    ['a NaN scale', NaN, 1, /top-k int8 group 0 \(byte 5\): scale NaN/],
    ['a value of −128', 1, 0x80, /top-k int8 group 0 \(byte 9\): value −128/],
  ] as const) {
    it(`top-k + int8: refuses ${title}`, () => {
      const bytes = topkBytes([1, 2, 1, 3, 1], f32(scale), [q, 1, 1, 1, 1]);
      refused(parseCodecSpec('topk:0.5+int8:16'), bytes, 10, 5, fragment);
    });
  }

  for (const text of ['fp16', 'int8:16', 'topk:0.3', 'topk:0.3+int8:16']) {
    it(`${text}: random and corrupted bytes decode or fail with InvalidUpdateError, never otherwise`, () => {
      const n = 200;
      const { spec, enc } = encodeDelta(text, randomValues(n, 29));
      const rng = createRng(30);
      const byte = () => Math.floor(rng.next() * 256);
      for (let trial = 0; trial < 300; trial++) {
        const bytes =
          trial % 2
            ? Uint8Array.from({ length: Math.floor(rng.next() * 2 * enc.bytes.length) }, byte)
            : enc.bytes.map((b) => (rng.next() < 0.02 ? byte() : b));
        for (const decode of [
          () => scan(spec, bytes, n, enc.nonzeros, [1 + Math.floor(rng.next() * 50)]),
          () => forEachDecodedBlock(spec, bytes, n, enc.nonzeros, new Float32Array(n), () => {}),
        ]) {
          try {
            decode();
          } catch (e) {
            assert.ok(e instanceof InvalidUpdateError, `trial ${trial}: ${String(e)}`);
          }
        }
      }
    });
  }
});
