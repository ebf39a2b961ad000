import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  combineWeights,
  effectiveSampleCount,
  forgetRate,
  labelNextQueue,
  paceForFraction,
  sanitizeProbabilities,
  selfPacedWeight,
  selfPacedWeights,
  smallLossWeights,
  uncertaintyScores,
} from '../../../client-node/weighting/index.js';
import { curriculumStage } from '../../../shared/curriculum/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const f32 = (xs: number[]) => new Float32Array(xs);
const probs = (rows: number[][]) => ({ values: f32(rows.flat()), numClasses: rows[0]!.length });

describe('probability sanitising (BR-15)', () => {
  it('keeps normalised rows, renormalises r1, refuses out-of-range r2 and NaN r3', () => {
    // Prepare: r1 = [0.2,0.2,0.2] (sum 0.6), r2 = [3.4e38,0,0], r3 = [NaN,0.5,0.5], r4 = [0.7,0.2,0.1]
    const p = probs([
      [0.2, 0.2, 0.2],
      [3.4e38, 0, 0],
      [NaN, 0.5, 0.5],
      [0.7, 0.2, 0.1],
    ]);
    // Execute
    const s = sanitizeProbabilities(p);
    // Assert
    assert.deepEqual([...s.valid], [1, 0, 0, 1]);
    assert.equal(s.renormalised, 1);
    assert.equal(s.refused, 2);
    assertClose(s.values.subarray(0, 3), [1 / 3, 1 / 3, 1 / 3], 1e-6);
    assertClose(s.values.subarray(3, 9), [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3], 1e-6, 'refused rows are uniform');
    assertClose(s.values.subarray(9), [0.7, 0.2, 0.1], 1e-7);
    assert.ok(s.values.every(Number.isFinite));
    assert.ok(Number.isNaN(p.values[6]!), 'input untouched');
  });
});

describe('active learning scores', () => {
  it('computes entropy, margin and least confidence (hand-computed)', () => {
    const p = probs([
      [1, 0, 0],
      [0.5, 0.5, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    assertClose(uncertaintyScores(p, 'entropy'), [0, Math.LN2, Math.log(3)], 1e-6);
    assertClose(uncertaintyScores(p, 'margin'), [0, 1, 1], 1e-6);
    assertClose(uncertaintyScores(p, 'least-confidence'), [0, 0.5, 2 / 3], 1e-6);
  });

  it('queues the most uncertain samples first, ties by index', () => {
    assert.deepEqual(labelNextQueue(f32([0.1, 0.9, 0.5, 0.9]), 3), [1, 3, 2]);
    assert.deepEqual(labelNextQueue(f32([0.1]), 0), []);
  });
});

describe('self-paced weights', () => {
  it('hard, linear and mixture regularisers (hand-computed)', () => {
    assert.equal(selfPacedWeight(0.5, 1, 'hard'), 1);
    assert.equal(selfPacedWeight(1, 1, 'hard'), 0);
    assert.equal(selfPacedWeight(0.5, 2, 'linear'), 0.75);
    assert.equal(selfPacedWeight(3, 2, 'linear'), 0);
    // mixture λ = 2, λ′ = 1: ζ = λλ′/(λ − λ′) = 2
    assert.equal(selfPacedWeight(0.5, 2, 'mixture', 0.5), 1);
    assertClose([selfPacedWeight(1.5, 2, 'mixture', 0.5)], [2 / 1.5 - 1], 1e-12);
    assert.equal(selfPacedWeight(2, 2, 'mixture', 0.5), 0);
  });

  it('λ = 0 admits nothing, λ = ∞ admits everything, a NaN loss gets 0, λ < 0 throws', () => {
    const losses = f32([0, 0.1, 5, 1e6]);
    for (const reg of ['hard', 'linear', 'mixture'] as const) {
      assert.deepEqual([...selfPacedWeights(losses, 0, reg)], [0, 0, 0, 0], reg);
      assert.deepEqual([...selfPacedWeights(losses, Infinity, reg)], [1, 1, 1, 1], reg);
    }
    assert.equal(selfPacedWeight(NaN, 1, 'linear'), 0);
    assert.throws(() => selfPacedWeight(1, -1, 'hard'), RangeError);
    assert.throws(() => selfPacedWeight(1, 1, 'mixture', 1), /mixture ratio/);
  });

  it('turns an admitted fraction into a pace by loss quantile', () => {
    const losses = f32([5, 1, 4, 2, 3]);
    assert.equal(paceForFraction(losses, 0.5), 3);
    assert.equal(paceForFraction(losses, 0.25), 2);
    assert.equal(paceForFraction(losses, 1), Infinity);
    assert.equal(paceForFraction(losses, 0), 0);
    assert.deepEqual([...selfPacedWeights(losses, paceForFraction(losses, 0.5), 'hard')], [0, 1, 0, 1, 0]);
  });
});

describe('curriculum pacing', () => {
  it('linear, root and geometric stages (hand-computed), clipped at 1', () => {
    const lin = { kind: 'linear' as const, startFraction: 0.2, fullAt: 0.5 };
    assertClose(
      [0, 2.5, 5, 10].map((t) => curriculumStage(lin, t, 10)),
      [0.2, 0.6, 1, 1],
      1e-12,
    );
    assertClose([curriculumStage({ ...lin, kind: 'root' }, 1.25, 10)], [0.6], 1e-12);
    assertClose([curriculumStage({ kind: 'geometric', startFraction: 0.25, fullAt: 1 }, 5, 10)], [0.5], 1e-12);
    assert.throws(() => curriculumStage({ ...lin, startFraction: 0 }, 1, 10), /startFraction/);
  });
});

describe('small-loss selection (Co-teaching schedule)', () => {
  it('ramps the forget rate to τ over T_k rounds and keeps the smallest losses', () => {
    assertClose(
      [0, 2, 5, 10].map((t) => forgetRate(t, 0.4, 5)),
      [0, 0.16, 0.4, 0.4],
      1e-12,
    );
    assert.deepEqual([...smallLossWeights(f32([0.1, 5, 0.3, NaN, 2]), 0.4)], [1, 0, 1, 0, 1]);
    assert.deepEqual([...smallLossWeights(f32([3, 1]), 0)], [1, 1]);
    assert.throws(() => forgetRate(1, 1, 5), RangeError);
  });
});

describe('composition', () => {
  it('multiplies or takes the minimum of components; effective count is Σw', () => {
    const a = f32([1, 0.5, 0]),
      b = f32([0.5, 0.5, 1]);
    assertClose(combineWeights([a, b]), [0.5, 0.25, 0], 0);
    assertClose(combineWeights([a, b], 'min'), [0.5, 0.5, 0], 0);
    assert.equal(effectiveSampleCount(combineWeights([a, b])), 0.75);
    assert.throws(() => combineWeights([a, f32([1])]), /differ in length/);
  });
});
