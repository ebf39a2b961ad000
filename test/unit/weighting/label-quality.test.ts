import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  flagMostSuspicious,
  labelQualityScores,
  labelReport,
  rankByLabelQuality,
} from '../../../client-node/weighting/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const probs = (rows: number[][]) => ({ values: Float32Array.from(rows.flat()), numClasses: rows[0]!.length });

// K = 3; class 2 is absent from the labels, yet the model gives sample 1 most probability for it.
const p = probs([
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
  [0.2, 0.8, 0.0],
  [0.5, 0.4, 0.1],
  [0.6, 0.1, 0.3],
]);
const labels = Int32Array.from([0, 0, 1, 1, 0]);

describe('label-quality scores', () => {
  it('self-confidence is p̂(given label)', () => {
    assertClose(labelQualityScores(p, labels, 'self-confidence'), [0.7, 0.1, 0.8, 0.4, 0.6], 1e-6);
  });

  it('normalized margin is (p̂(ỹ) − best other present class + 1) / 2, never counting a class absent from the labels', () => {
    // sample 1: the best other present class is 1 (0.3), not the absent class 2 (0.6) → (0.1 − 0.3 + 1) / 2
    assertClose(labelQualityScores(p, labels, 'normalized-margin'), [0.75, 0.4, 0.8, 0.45, 0.75], 1e-6);
  });

  it('on a site with one class only, the margin is over 0 and self-confidence is unchanged', () => {
    const one = probs([
      [0.9, 0.1],
      [0.3, 0.7],
    ]);
    const y = Int32Array.from([0, 0]);
    assertClose(labelQualityScores(one, y, 'normalized-margin'), [0.95, 0.65], 1e-6);
    assertClose(labelQualityScores(one, y, 'self-confidence'), [0.9, 0.3], 1e-6);
  });

  it('scores a refused row NaN and leaves it out of the classes present', () => {
    // sample 2 refused: its score is NaN; class 1 stays present through sample 3, so the other margins are unchanged
    const s = labelQualityScores(p, labels, 'normalized-margin', Uint8Array.from([1, 1, 0, 1, 1]));
    assert.ok(Number.isNaN(s[2]!));
    assertClose([s[0]!, s[1]!, s[3]!, s[4]!], [0.75, 0.4, 0.45, 0.75], 1e-6);
  });

  it('refuses mismatched lengths and a label outside [0, K)', () => {
    assert.throws(
      () => labelQualityScores(p, Int32Array.from([0, 1]), 'self-confidence'),
      /2 labels for 5 probability rows/,
    );
    assert.throws(
      () => labelQualityScores(p, Int32Array.from([0, 0, 3, 1, 0]), 'self-confidence'),
      (e: unknown) => e instanceof RangeError && /label 3 of sample 2 is outside \[0, 3\)/.test(e.message),
    );
  });
});

describe('ranking and the default cut', () => {
  it('ranks by ascending score, ties by index, NaN last', () => {
    assert.deepEqual([...rankByLabelQuality(Float32Array.from([0.75, 0.4, 0.8, 0.45, 0.75]))], [1, 3, 0, 4, 2]);
    assert.deepEqual([...rankByLabelQuality(Float32Array.from([NaN, 0.5, 0.1]))], [2, 1, 0]);
  });

  it('flags round(noise rate × scored samples) of the most suspicious, never a NaN score', () => {
    // 4 scored samples × 0.4 = 1.6 → 2 flagged: the two lowest scores
    const scores = Float32Array.from([0.7, 0.1, NaN, 0.4, 0.6]);
    assert.deepEqual([...flagMostSuspicious(scores, rankByLabelQuality(scores), 0.4)], [0, 1, 0, 1, 0]);
    assert.deepEqual([...flagMostSuspicious(scores, rankByLabelQuality(scores), 1)], [1, 1, 0, 1, 1]);
    assert.deepEqual([...flagMostSuspicious(scores, rankByLabelQuality(scores), 0)], [0, 0, 0, 0, 0]);
  });

  it('refuses a noise rate outside [0, 1] and a ranking of another length', () => {
    const scores = Float32Array.from([0.2, 0.1]);
    assert.throws(
      () => flagMostSuspicious(scores, Int32Array.from([1, 0]), 1.2),
      /noise rate must be in \[0, 1\], got 1.2/,
    );
    assert.throws(() => flagMostSuspicious(scores, Int32Array.from([1]), 0.5), /1 ranks for 2 scores/);
  });

  it('lists every sample, flags the cut whatever training did, and marks what training corrected', () => {
    // Prepare: training corrected sample 1 (the most suspicious); the estimated noise rate 0.4 → 2 of 5 flagged
    const input = {
      probabilities: { ...p, valid: Uint8Array.from([1, 1, 1, 1, 1]) },
      labels,
      noiseRate: 0.4,
      suggested: Int32Array.from([0, 1, 1, 0, 0]),
      corrected: Uint8Array.from([0, 1, 0, 0, 0]),
    };
    // Execute
    const report = labelReport(input, 'self-confidence');
    // Assert: self-confidence [0.7, 0.1, 0.8, 0.4, 0.6] → order 1, 3, 4, 0, 2
    assert.deepEqual(
      report.rows.map((r) => [r.index, r.givenLabel, r.suggestedLabel, r.flagged, r.corrected]),
      [
        [1, 0, 1, true, true],
        [3, 1, 0, true, false],
        [4, 0, 0, false, false],
        [0, 0, 0, false, false],
        [2, 1, 1, false, false],
      ],
    );
    assertClose(
      report.rows.map((r) => r.score!),
      [0.1, 0.4, 0.6, 0.7, 0.8],
      1e-6,
    );
    assert.deepEqual([...report.flagged], [0, 1, 0, 1, 0]);
  });

  it('gives a refused row a null score, last and unflagged', () => {
    const input = {
      probabilities: { ...p, valid: Uint8Array.from([1, 0, 1, 1, 1]) },
      labels,
      noiseRate: 0.5,
      suggested: Int32Array.from([0, 0, 1, 0, 0]),
      corrected: new Uint8Array(5),
    };
    const report = labelReport(input, 'normalized-margin');
    assert.deepEqual(report.rows.at(-1), {
      index: 1,
      givenLabel: 0,
      suggestedLabel: 0,
      score: null,
      flagged: false,
      corrected: false,
    });
    assert.equal(report.rows.filter((r) => r.flagged).length, 2); // round(0.5 × 4 scored)
  });
});
