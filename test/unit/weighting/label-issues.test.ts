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
  });

  it("never counts, flags or suggests a class absent from the site's labels, whatever the model predicts (K = 3)", () => {
    // Prepare: class 2 has no sample here; the model is sure samples 1 and 3 are class 2
    const p = probs([
      [0.9, 0.05, 0.05],
      [0.02, 0.03, 0.95],
      [0.1, 0.85, 0.05],
      [0.01, 0.01, 0.98],
      [0.2, 0.7, 0.1],
    ]);
    const labels = Int32Array.from([0, 0, 1, 1, 1]);
    // Execute
    const r = confidentLearning(p, labels);
    // Assert: t2 = +∞, so column 2 of the confident joint stays empty and nothing is flagged for it
    assert.equal(r.thresholds[2], Infinity);
    assertClose(r.thresholds.subarray(0, 2), [(0.9 + 0.02) / 2, (0.85 + 0.01 + 0.7) / 3], 1e-6);
    assert.deepEqual(
      [0, 1, 2].map((y) => r.confidentJoint[y * 3 + 2]),
      [0, 0, 0],
    );
    assert.deepEqual([...r.flagged], [0, 0, 0, 0, 0]);
    assert.equal(r.noiseRate, 0);
    assert.ok(!r.suggested.includes(2), `suggested ${[...r.suggested]}`);
    assert.deepEqual([...correctLabels(labels, p, 0.9).labels], [...labels], 'no label corrected to the absent class');
  });

  it('copes with a site holding one class only', () => {
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
    assert.deepEqual([...single.suggested], [0, 0, 0]);
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
    const c = correctLabels(Int32Array.from([1, 1, 0]), p, 0.9);
    assert.deepEqual([...c.labels], [0, 1, 1]);
    assert.deepEqual(c.corrected, [0, 2]);
    assert.deepEqual(correctLabels(Int32Array.from([1, 1, 0]), p, 0.9, Uint8Array.from([0, 1, 1])).corrected, [2]);
  });
});
