import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coordinateMedian,
  coordinateTrimmedMean,
  krumScores,
  multiKrumSelection,
  RunningWeightedMean,
  squaredDistances,
  weightedMetricMeans,
} from '../../../coordinator/strategies/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const f32 = (...v: number[]) => new Float32Array(v);

/** Asserts that `fn` throws an AggregationError (FS_ERR_AGGREGATION) whose message matches `fragment`. */
function assertAggregationError(fn: () => unknown, fragment: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AggregationError, `expected AggregationError, got ${e}`);
    assert.equal(e.code, 'FS_ERR_AGGREGATION');
    assert.match(e.message, fragment);
    return true;
  });
}

describe('RunningWeightedMean', () => {
  it('computes Σ wₖ·xₖ / Σ wₖ (hand-computed)', () => {
    // Prepare
    const m = new RunningWeightedMean(3);
    // Execute: weights 1, 3, 6 → 0.1, 0.3, 0.6
    m.add(f32(1, 2, 3), 1);
    m.add(f32(2, 4, 6), 3);
    m.add(f32(-1, 0, 10), 6);
    // Assert
    assertClose(m.mean(), [0.1, 1.4, 8.1], 1e-6);
    assert.equal(m.count, 3);
    assert.equal(m.weight, 10);
  });

  it('returns the one vector when a single client is folded, in the scratch buffer when given', () => {
    const scratch = new Float32Array(2);
    const m = new RunningWeightedMean(2, scratch);
    m.add(f32(0.5, -3), 7);
    assert.equal(m.mean(), scratch);
    assertClose(scratch, [0.5, -3], 0);
  });

  it('counts and ignores zero weight, and refuses a mean of total weight 0', () => {
    const m = new RunningWeightedMean(1);
    m.add(f32(100), 0);
    assertAggregationError(() => m.mean(), /cannot average 1 updates with total weight 0/);
    m.add(f32(4), 2);
    assertClose(m.mean(), [4], 0);
    assert.equal(m.count, 2);
  });

  it('refuses a NaN, negative or infinite weight and a length mismatch, folding nothing', () => {
    const m = new RunningWeightedMean(2);
    m.add(f32(1, 1), 1);
    assertAggregationError(() => m.add(f32(9, 9), NaN, 'client a'), /client a: weight NaN is not a finite/);
    assertAggregationError(() => m.add(f32(9, 9), -1), /update: weight -1/);
    assertAggregationError(() => m.add(f32(9, 9), Infinity), /weight Infinity/);
    assertAggregationError(() => m.add(f32(9, 9, 9), 1, 'client b'), /client b: 3 values, expected 2/);
    assert.equal(m.count, 1);
    assertClose(m.mean(), [1, 1], 0);
  });

  it('refuses to return a mean holding NaN (a NaN value was folded)', () => {
    const m = new RunningWeightedMean(2);
    m.add(f32(1, 1), 1);
    m.add(f32(1, NaN), 1);
    assertAggregationError(() => m.mean(), /weighted mean: value 1 is NaN/);
  });
});

describe('weightedMetricMeans', () => {
  it('averages each metric over the entries that report it, weighted by examples', () => {
    const out = weightedMetricMeans([
      { numExamples: 1, metrics: { loss: 1, accuracy: 0.5 } },
      { numExamples: 3, metrics: { loss: 2 } },
    ]);
    assertClose([out.loss!, out.accuracy!], [1.75, 0.5], 1e-12);
  });

  it('skips NaN values and leaves out a metric whose reporters have zero examples', () => {
    const out = weightedMetricMeans([
      { numExamples: 2, metrics: { loss: NaN, acc: 0.25 } },
      { numExamples: 0, metrics: { only_zero: 5 } },
      { numExamples: 1, metrics: { loss: 3 } },
    ]);
    assert.deepEqual(out, { loss: 3, acc: 0.25 });
    assert.deepEqual(weightedMetricMeans([]), {});
  });
});

describe('coordinateMedian', () => {
  it('takes the median of every coordinate, odd and even counts', () => {
    assertClose(coordinateMedian([f32(1, 10), f32(2, 20), f32(100, -5)]), [2, 10], 0);
    assertClose(coordinateMedian([f32(1), f32(2), f32(3), f32(10)]), [2.5], 0);
  });

  it('returns the one vector of a single client, written into `out`', () => {
    const out = new Float32Array(2);
    assert.equal(coordinateMedian([f32(3, -4)], out), out);
    assertClose(out, [3, -4], 0);
  });

  it('refuses no vector, a length mismatch and a NaN value', () => {
    assertAggregationError(() => coordinateMedian([]), /no updates to reduce/);
    assertAggregationError(() => coordinateMedian([f32(1, 2), f32(1)]), /update 1: 1 values, expected 2/);
    assertAggregationError(() => coordinateMedian([f32(1, 2)], new Float32Array(3)), /update 0: 2 values, expected 3/);
    assertAggregationError(() => coordinateMedian([f32(1), f32(NaN), f32(3)]), /update 1: value NaN is not finite/);
  });
});

describe('coordinateTrimmedMean', () => {
  it('drops ⌊βK⌋ values at each end of every coordinate', () => {
    const five = [1, 2, 3, 4, 100].map((v) => f32(v, -v));
    assertClose(coordinateTrimmedMean(five, 0.2), [3, -3], 1e-6);
    assertClose(coordinateTrimmedMean(five, 0), [22, -22], 1e-6);
  });

  it('returns the one vector of a single client (⌊β·1⌋ = 0 trimmed)', () => {
    assertClose(coordinateTrimmedMean([f32(7, 8)], 0.4), [7, 8], 0);
  });

  it('refuses β outside [0, 0.5), a length mismatch and a NaN value', () => {
    assertAggregationError(() => coordinateTrimmedMean([f32(1)], 0.5), /beta 0.5 is not in \[0, 0.5\)/);
    assertAggregationError(() => coordinateTrimmedMean([f32(1)], NaN), /beta NaN/);
    assertAggregationError(() => coordinateTrimmedMean([f32(1), f32(1, 2)], 0.1), /update 1: 2 values, expected 1/);
    assertAggregationError(() => coordinateTrimmedMean([f32(NaN), f32(1)], 0.1), /update 0: value NaN is not finite/);
  });
});

describe('Krum', () => {
  const five = [0, 1, 2, 3, 100].map((v) => f32(v));

  it('scores each update by its n − f − 2 nearest squared distances (hand-computed)', () => {
    // Execute
    const d = squaredDistances(five);
    const scores = krumScores(d, 1);
    // Assert: d(0,1) = 1, d(0,2) = 4 …; 2 nearest: 0 → 1 + 4, 1 → 1 + 1, 2 → 1 + 1, 3 → 1 + 4, 100 → 97² + 98²
    assert.deepEqual([...d[0]!], [0, 1, 4, 9, 10_000]);
    assert.deepEqual(scores, [5, 2, 2, 5, 97 ** 2 + 98 ** 2]);
  });

  it('accumulates distances block by block into the same matrix', () => {
    const whole = squaredDistances([f32(1, 2, 3), f32(0, 0, 1)]);
    const blocks = squaredDistances([f32(1), f32(0)]);
    squaredDistances([f32(2, 3), f32(0, 1)], blocks);
    assert.deepEqual(blocks, whole);
  });

  it('selects the m lowest scores, ties to the lower index', () => {
    assert.deepEqual(multiKrumSelection([5, 2, 2, 5, 19_013], 1), [1]);
    assert.deepEqual(multiKrumSelection([5, 2, 2, 5, 19_013], 3), [1, 2, 0]);
    assert.deepEqual(multiKrumSelection([3], 4), [0]);
  });

  it('handles a single client: score 0, selected', () => {
    const scores = krumScores(squaredDistances([f32(4, 2)]), 0);
    assert.deepEqual(scores, [0]);
    assert.deepEqual(multiKrumSelection(scores, 1), [0]);
  });

  it('refuses a length mismatch, a NaN value, a wrong-size matrix and invalid f or m', () => {
    assertAggregationError(() => squaredDistances([f32(1, 2), f32(1)]), /update 1: 1 values, expected 2/);
    assertAggregationError(() => squaredDistances([f32(1), f32(NaN)]), /updates 0 and 1: a value is not finite/);
    assertAggregationError(() => squaredDistances([f32(1), f32(2)], [new Float64Array(2)]), /not 2 × 2/);
    assertAggregationError(() => krumScores([new Float64Array(1)], -1), /numMalicious -1/);
    assertAggregationError(() => multiKrumSelection([1], 0), /numSelected 0 is not a positive integer/);
  });
});
