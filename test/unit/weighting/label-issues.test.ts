import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bootstrapTargets,
  confidentLearning,
  correctLabels,
  smoothLabels,
} from '../../../client-node/weighting/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const probs = (rows: number[][]) => ({ values: new Float32Array(rows.flat()), numClasses: rows[0]!.length });

describe('confident learning', () => {
  it('thresholds, confident joint, noise rate and prune-by-noise-rate flags (hand-computed)', () => {
    // Prepare: sample 1 is labelled 0 but the model is confident it is a 1
    const p = probs([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.1, 0.9],
      [0.3, 0.7],
    ]);
    const labels = Int32Array.from([0, 0, 1, 1]);
    // Execute
    const r = confidentLearning(p, labels);
    // Assert: t0 = (0.9 + 0.2)/2, t1 = (0.9 + 0.7)/2; sample 3 passes no threshold
    assertClose(r.thresholds, [0.55, 0.8], 1e-6);
    assert.deepEqual([...r.confidentJoint], [1, 1, 0, 1]);
    assertClose([r.noiseRate], [0.25], 1e-12); // calibrated off-diagonal 1 of 4 samples
    assert.deepEqual([...r.flagged], [0, 1, 0, 0]);
    assert.deepEqual([...r.suggested], [0, 1, 1, 1]);
    assertClose(r.labelQuality, [0.9, 0.2, 0.9, 0.7], 1e-6);
  });

  it('copes with a class that has no sample on the site and with a site holding one class only', () => {
    // class 2 absent: its threshold is the mean of the present ones
    const r = confidentLearning(
      probs([
        [0.9, 0.05, 0.05],
        [0.05, 0.9, 0.05],
        [0.05, 0.05, 0.9],
      ]),
      Int32Array.from([0, 1, 1]),
    );
    assertClose(r.thresholds, [0.9, 0.475, (0.9 + 0.475) / 2], 1e-6);
    assert.deepEqual([...r.flagged], [0, 0, 1], 'the sample the model calls class 2 is flagged');
    const single = confidentLearning(
      probs([
        [0.9, 0.05, 0.05],
        [0.95, 0.03, 0.02],
        [0.85, 0.1, 0.05],
      ]),
      Int32Array.from([0, 0, 0]),
    );
    assert.deepEqual([...single.flagged], [0, 0, 0]);
    assert.equal(single.noiseRate, 0);
  });

  it('never counts or flags refused rows, and refuses mismatched input', () => {
    const p = probs([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.1, 0.9],
      [0.3, 0.7],
    ]);
    const r = confidentLearning(p, Int32Array.from([0, 0, 1, 1]), Uint8Array.from([1, 0, 1, 1]));
    assert.deepEqual([...r.flagged], [0, 0, 0, 0]);
    assert.throws(() => confidentLearning(p, Int32Array.from([0, 1])), /2 labels for 4 probability rows/);
    assert.throws(() => confidentLearning(p, Int32Array.from([0, 0, 1, 5])), /label 5 of sample 3/);
  });
});

describe('label enhancement', () => {
  it('smooths labels: (1 − ε)·onehot + ε/K', () => {
    assertClose(smoothLabels(Int32Array.from([1]), 4, 0.2), [0.05, 0.85, 0.05, 0.05], 1e-7);
    assert.throws(() => smoothLabels(Int32Array.from([0]), 2, 1.5), RangeError);
  });

  it('bootstraps targets from the global model, soft and hard (Reed et al. 2014)', () => {
    assertClose(bootstrapTargets(Int32Array.from([0]), probs([[0.5, 0.5, 0]]), 0.8, 'soft'), [0.9, 0.1, 0], 1e-7);
    assertClose(bootstrapTargets(Int32Array.from([1]), probs([[0.6, 0.4, 0]]), 0.8, 'hard'), [0.2, 0.8, 0], 1e-7);
  });

  it('corrects a label only when the model is confident above the threshold and disagrees', () => {
    const p = probs([
      [0.95, 0.05],
      [0.85, 0.15],
      [0.02, 0.98],
    ]);
    const c = correctLabels(Int32Array.from([1, 1, 1]), p, 0.9);
    assert.deepEqual([...c.labels], [0, 1, 1]);
    assert.deepEqual(c.corrected, [0]);
    assert.deepEqual(correctLabels(Int32Array.from([1, 1, 1]), p, 0.9, Uint8Array.from([0, 1, 1])).corrected, []);
  });
});
