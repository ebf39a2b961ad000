import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gapClosed, meanOfLast, meanStd, MIN_GAP } from '../../../../coordinator/lab/experiments/index.js';
import { assertClose } from '../../../helpers/assert-close.js';

describe('meanStd over seeds', () => {
  it('gives the mean and the sample standard deviation (n − 1) of hand-computed values', () => {
    // Prepare
    const accuracies = [0.9, 0.92, 0.94];
    // Execute
    const s = meanStd(accuracies);
    // Assert: mean 0.92; deviations ±0.02, 0 → variance 0.0008 / 2 = 0.0004, sd 0.02
    assertClose([s.mean, s.std, s.n], [0.92, 0.02, 3], 1e-12);
  });

  it('counts a failed seed (NaN) in no mean and says so through n', () => {
    // Execute
    const s = meanStd([0.9, NaN, 0.94]);
    // Assert
    assertClose([s.mean, s.std, s.n], [0.92, Math.sqrt(0.0008), 2], 1e-12);
  });

  it('gives sd 0 for one seed and a NaN mean for none', () => {
    // Execute
    const one = meanStd([0.93]);
    const none = meanStd([NaN]);
    // Assert
    assert.deepEqual(one, { mean: 0.93, std: 0, n: 1 });
    assert.ok(Number.isNaN(none.mean));
    assert.equal(none.n, 0);
  });

  it('meanOfLast averages the last k rounds, or all of them when fewer', () => {
    // Execute / Assert
    assertClose([meanOfLast([0.1, 0.2, 0.4, 0.6], 2), meanOfLast([0.3, 0.5], 5)], [0.5, 0.4], 1e-12);
    assert.ok(Number.isNaN(meanOfLast([], 5)));
  });
});

describe('gapClosed', () => {
  it('is (variant − noisy) / (clean − noisy)', () => {
    // Execute
    const g = gapClosed(0.94, 0.9, 0.95);
    // Assert
    assert.equal(g.ok, true);
    assertClose([g.ok ? g.ratio : NaN], [0.8], 1e-12);
  });

  it('can exceed 1 (better than clean) or be negative (worse than plain)', () => {
    // Execute
    const above = gapClosed(0.96, 0.9, 0.95);
    const below = gapClosed(0.88, 0.9, 0.95);
    // Assert
    assertClose([above.ok ? above.ratio : NaN, below.ok ? below.ratio : NaN], [1.2, -0.4], 1e-12);
  });

  it('is unavailable, with the reason, for a zero, ~zero or negative gap instead of dividing by ~0', () => {
    // Execute
    const results = [gapClosed(0.95, 0.9, 0.9), gapClosed(0.95, 0.9, 0.9 + MIN_GAP / 2), gapClosed(0.95, 0.92, 0.9)];
    // Assert
    for (const g of results) {
      assert.equal(g.ok, false);
      assert.match(g.ok ? '' : g.reason, /no gap to close: clean .* ≤ noisy/);
    }
  });

  it('is unavailable when an accuracy is NaN', () => {
    // Execute
    const g = gapClosed(NaN, 0.9, 0.95);
    // Assert
    assert.deepEqual(g, { ok: false, reason: 'an accuracy is not finite' });
  });
});
