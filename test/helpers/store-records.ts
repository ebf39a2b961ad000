import type { FeatureStatistics, RoundSummary } from '../../shared/proto/index.js';
import type { Checkpoint } from '../../coordinator/store/index.js';

/** A round's summary as a run records it: NaN federated accuracy (no site evaluated), a reason with JSON's specials. */
export function testSummary(round: number): RoundSummary {
  return {
    round,
    selected: 2,
    responded: 2,
    failed: 0,
    trainLoss: 0.5,
    testLoss: 0.4,
    testAccuracy: 0.9,
    durationMs: 100,
    federatedAccuracy: NaN,
    attempts: 1,
    failures: [{ clientId: 'site-"b"', reason: 'deadline {passed}, path C:\\tmp' }],
    aggregationMs: 3,
    clientMetrics: { train_loss: 0.5 },
  };
}

/** A checkpoint of `round`: a 2×2 + 1 model and a momentum vector, both with values that tell the rounds apart. */
export function testCheckpoint(round: number): Checkpoint {
  return {
    round,
    weights: {
      specs: [
        { name: 'w', shape: [2, 2], dtype: 'float32' },
        { name: 'b', shape: [1], dtype: 'float32' },
      ],
      values: Float32Array.from([1, -2, 3.5, 4, 0.25].map((v) => v * round)),
    },
    serverState: { momentum: Float32Array.from([9, 8, 7, 6, round]) },
  };
}

/** Round 0's global feature statistics of a penguin run. */
export const TEST_STATISTICS: FeatureStatistics = {
  sites: 3,
  rows: 333,
  numeric: [{ name: 'Body Mass (g)', count: 333, mean: 4207.057057, std: 804.6, min: 2700, max: 6300 }],
  categorical: [{ name: 'Island', counts: [163, 123, 47], frequencies: [163 / 333, 123 / 333, 47 / 333] }],
};
