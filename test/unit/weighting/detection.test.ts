import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionQuality, precisionRecallCurve } from '../../../client-node/weighting/index.js';

const u8 = (...v: number[]) => Uint8Array.from(v);
const f32 = (...v: number[]) => Float32Array.from(v);

describe('label-issue detection against a known noise mask', () => {
  it('precision and recall of the flagged set, AUROC of the suspicion score', () => {
    // noisy = {0, 2}; flagged = {0, 1}: 1 hit. Pairs (noisy, clean): (0.9 > 0.8), (0.9 > 0.6), (0.7 < 0.8), (0.7 > 0.6) → 3/4.
    const q = detectionQuality(f32(0.9, 0.8, 0.7, 0.6), u8(1, 1, 0, 0), u8(1, 0, 1, 0));
    assert.deepEqual(q, { samples: 4, noisy: 2, flagged: 2, precision: 0.5, recall: 0.5, auroc: 0.75 });
  });

  it('counts a tie between a noisy and a clean sample as one half', () => {
    assert.equal(detectionQuality(f32(0.5, 0.5, 0.1), u8(0, 0, 0), u8(1, 0, 0)).auroc, 0.75);
  });

  it('a perfect ranking has AUROC 1, a reversed one 0', () => {
    assert.equal(detectionQuality(f32(0.9, 0.1, 0.2), u8(1, 0, 0), u8(1, 0, 0)).auroc, 1);
    assert.equal(detectionQuality(f32(0.1, 0.9, 0.2), u8(0, 1, 0), u8(1, 0, 0)).auroc, 0);
  });

  it('is NaN where undefined: nothing flagged, no wrong label, one class only', () => {
    const clean = detectionQuality(f32(0.3, 0.2), u8(0, 0), u8(0, 0));
    assert.ok(Number.isNaN(clean.precision) && Number.isNaN(clean.recall) && Number.isNaN(clean.auroc));
    assert.equal(clean.flagged, 0);
  });

  it('refuses arrays of different lengths', () => {
    assert.throws(() => detectionQuality(f32(0.1, 0.2), u8(0), u8(0, 1)), /2 scores, 1 flags, 2 mask entries/);
  });
});

describe('precision–recall curve over label-quality score cuts', () => {
  it('flags scores strictly below each cut (hand-computed); a NaN score is never flagged but counts as noisy', () => {
    // noisy = {0, 2, 3}; sample 3 has no score
    const curve = precisionRecallCurve(f32(0.05, 0.5, 0.6, NaN, 0.2), u8(1, 0, 1, 1, 0), [0.01, 0.1, 0.5, 1]);
    assert.deepEqual(curve.slice(1), [
      { cut: 0.1, flagged: 1, precision: 1, recall: 1 / 3 },
      { cut: 0.5, flagged: 2, precision: 0.5, recall: 1 / 3 }, // 0.5 itself is not below the cut
      { cut: 1, flagged: 4, precision: 0.5, recall: 2 / 3 },
    ]);
    assert.deepEqual([curve[0]!.flagged, curve[0]!.recall], [0, 0]);
    assert.ok(Number.isNaN(curve[0]!.precision), 'nothing flagged: precision undefined');
  });

  it('has NaN recall without a wrong label, and refuses a mask of another length', () => {
    assert.ok(Number.isNaN(precisionRecallCurve(f32(0.1), u8(0), [0.5])[0]!.recall));
    assert.throws(() => precisionRecallCurve(f32(0.1, 0.2), u8(1), [0.5]), /2 scores, 1 mask entries/);
  });
});
