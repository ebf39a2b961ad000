import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregationError, InvalidUpdateError } from '../../../shared/errors/index.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';
import {
  addModInPlace,
  decodeWeightedSum,
  dequantizeSum,
  encodeWeightedInput,
  modMask,
  quantizationStep,
  quantize,
  quantizedWeight,
  subModInPlace,
  weightRatio,
} from '../../../shared/secagg/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { randomValues } from '../../helpers/update-codecs.js';

const c = 8;
const Q = 2 ** 22;

describe('SecAgg+ quantisation', () => {
  it('keeps a sum of k quantised vectors within k·2c/(Q − 1) of the sum of the clipped values', () => {
    // Prepare
    const k = 5;
    const vectors = Array.from({ length: k }, (_, i) => randomValues(10_000, 40 + i, 4));
    const seeds = seededBytes(1);
    const step = quantizationStep(c, Q);
    // Execute
    const levelSum = new Float64Array(10_000);
    for (const v of vectors) quantize(v, c, Q, seeds(32)).forEach((q, j) => (levelSum[j]! += q));
    const sum = dequantizeSum(levelSum, k, c, Q);
    // Assert
    assert.equal(step, (2 * c) / (Q - 1));
    let clipped = 0;
    for (let j = 0; j < sum.length; j++) {
      const exact = vectors.reduce((a, v) => a + Math.max(-c, Math.min(c, v[j]!)), 0);
      clipped += vectors.some((v) => Math.abs(v[j]!) > c) ? 1 : 0;
      assert.ok(Math.abs(sum[j]! - exact) <= k * step, `coordinate ${j}: ${sum[j]} vs ${exact}`);
    }
    assert.ok(clipped > 0, 'the test data exercises clipping');
  });

  it('maps ±c to the ends of [0, Q − 1] and rounds without bias, over several draw blocks', () => {
    const seeds = seededBytes(2);
    assert.deepEqual([...quantize([-100, -c, c, 100], c, Q, seeds(32))], [0, 0, Q - 1, Q - 1]);
    const x = 0.3 * quantizationStep(c, Q) - c; // 0.3 of the way from level 0 to level 1
    const n = 40_000; // more than two blocks of draws (BLOCK_WORDS = 16,384)
    const levels = quantize(new Float64Array(n).fill(x), c, Q, seeds(32)); // float64: x in float32 is off by ~0.1 step
    const ones = levels.reduce((a, v) => a + v, 0);
    assert.ok(levels.every((v) => v === 0 || v === 1));
    assert.ok(Math.abs(ones / n - 0.3) < 0.01, `P(round up) = ${ones / n}, expected 0.3`);
    const tail = levels.subarray(2 * 16_384);
    assert.ok(Math.abs(tail.reduce((a, v) => a + v, 0) / tail.length - 0.3) < 0.03, 'the last, partial block too');
  });

  it('refuses a non-finite value instead of clipping it', () => {
    assert.throws(
      () => quantize([0, Number.NaN], c, Q, seededBytes(4)(32)),
      fedsiftError(InvalidUpdateError, /value 1 is NaN/),
    );
  });
});

describe('arithmetic mod a power of two on Uint32Array', () => {
  it('adds and subtracts mod 2^32 without overflow, and mod smaller powers of two', () => {
    const a = Uint32Array.from([0xffffffff, 5, 0]);
    const b = Uint32Array.from([2, 7, 1]);
    assert.deepEqual([...addModInPlace(Uint32Array.from(a), b, 2 ** 32)], [1, 12, 1]);
    assert.deepEqual([...subModInPlace(Uint32Array.from(a), b, 2 ** 32)], [0xfffffffd, 0xfffffffe, 0xffffffff]);
    assert.deepEqual([...addModInPlace(Uint32Array.from([65535, 3]), Uint32Array.from([2, 4]), 2 ** 16)], [1, 7]);
    assert.deepEqual([...subModInPlace(Uint32Array.from([1, 3]), Uint32Array.from([2, 4]), 2 ** 16)], [65535, 65535]);
    const x = randomValues(1000, 9).map((v) => v * 1e9);
    const u = Uint32Array.from(x, (v) => v >>> 0);
    const r = Uint32Array.from(
      randomValues(1000, 10).map((v) => v * 1e9),
      (v) => v >>> 0,
    );
    assert.deepEqual(subModInPlace(addModInPlace(Uint32Array.from(u), r, 2 ** 32), r, 2 ** 32), u);
  });

  it('refuses a modulus that is not a power of two, and a length mismatch', () => {
    assert.throws(() => modMask(3 * 2 ** 20), RangeError);
    assert.throws(() => modMask(2 ** 33), RangeError);
    assert.throws(() => addModInPlace(new Uint32Array(2), new Uint32Array(3), 2 ** 32), /lengths differ/);
  });
});

describe('weighted inputs under SecAgg+', () => {
  const p = { maxWeight: 1000, clippingRange: c, quantizationRange: Q };

  it('caps the weight at maxWeight and refuses a negative or non-finite example count', () => {
    assert.equal(weightRatio(250, 1000), 0.25);
    assert.equal(weightRatio(5000, 1000), 1);
    assert.equal(weightRatio(0, 1000), 0);
    assert.throws(() => weightRatio(-1, 1000), fedsiftError(InvalidUpdateError, /numExamples/));
    assert.throws(() => weightRatio(Number.NaN, 1000), fedsiftError(InvalidUpdateError, /numExamples/));
  });

  it('decodes Σ r̂·x / Σ r̂ from the summed encodings, a zero-weight client contributing nothing', () => {
    // Prepare
    const xs = [randomValues(500, 1), randomValues(500, 2), randomValues(500, 3)];
    const counts = [120, 3000, 0];
    const seeds = seededBytes(6);
    // Execute
    const sum = new Uint32Array(501);
    xs.forEach((x, i) =>
      sum.forEach((s, j, arr) => (arr[j] = s + encodeWeightedInput(x, counts[i]!, p, seeds(32))[j]!)),
    );
    const decoded = decodeWeightedSum(sum, 3, p);
    // Assert
    const w = counts.map((n) => quantizedWeight(weightRatio(n, 1000), p).weight);
    assert.equal(w[2], 0);
    assert.ok(Math.abs(w[0]! - 0.12) <= quantizationStep(c, Q) / 2);
    assert.ok(Math.abs(decoded.totalWeight - (w[0]! + w[1]!)) < 1e-12);
    assert.ok(Math.abs(decoded.totalExamples - 1120) < 1);
    const bound = (3 * quantizationStep(c, Q)) / decoded.totalWeight + 1e-6;
    decoded.weightedMean.forEach((m, j) => {
      const exact = (w[0]! * xs[0]![j]! + w[1]! * xs[1]![j]!) / (w[0]! + w[1]!);
      assert.ok(Math.abs(m - exact) <= bound, `coordinate ${j}: ${m} vs ${exact}`);
    });
  });

  it('refuses to decode a sum whose total weight is 0', () => {
    const enc = encodeWeightedInput(randomValues(10, 1), 0, p, seededBytes(1)(32));
    assert.throws(() => decodeWeightedSum(enc, 1, p), fedsiftError(AggregationError, /total weight 0/));
  });
});
