import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planSampleWeights } from '../../../client-node/weighting/index.js';
import { weightingSchema } from '../../../shared/config/index.js';
import {
  CLASS_LOSS_METRICS,
  CLIENT_METRICS,
  WEIGHT_HIST_METRICS,
  WEIGHT_HISTOGRAM_BINS,
  weightBinLowerEdge,
} from '../../../shared/contract/index.js';

describe('client metric names', () => {
  it('indexed families write and read back `<prefix><index>`, and nothing else', () => {
    // Execute, Assert (wire names spelled out on purpose)
    assert.equal(WEIGHT_HIST_METRICS.name(3), 'weight_hist_3');
    assert.equal(CLASS_LOSS_METRICS.name(9), 'class_loss_9');
    assert.equal(WEIGHT_HIST_METRICS.indexOf('weight_hist_4'), 4);
    assert.equal(CLASS_LOSS_METRICS.indexOf('class_loss_12'), 12);
    for (const name of ['weight_hist_', 'weight_hist_x', 'weight_hist_1b', 'class_loss_3', 'xweight_hist_1'])
      assert.equal(WEIGHT_HIST_METRICS.indexOf(name), undefined, name);
  });

  it('weight bins: five of width 0.2 covering [0, 1]', () => {
    assert.equal(WEIGHT_HISTOGRAM_BINS, 5);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((b) => weightBinLowerEdge(b).toFixed(1)),
      ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'],
    );
  });

  it('every statistic a weighting plan reports is a contract name', () => {
    // Prepare: every component on, so every statistic is present
    const config = weightingSchema.parse({
      noisyLabels: 'confident-learning',
      correctLabelsAbove: 0.6,
      curriculum: { regularizer: 'hard' },
    });
    const probs = { values: new Float32Array([0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.3, 0.7]), numClasses: 2 };
    // Execute
    const { stats } = planSampleWeights({
      probs,
      labels: Int32Array.from([0, 0, 1, 1]),
      config,
      round: 3,
      curriculumStage: 1,
    });
    // Assert
    const known = new Set<string>(Object.values(CLIENT_METRICS));
    const unknown = Object.keys(stats).filter(
      (k) =>
        !known.has(k) && WEIGHT_HIST_METRICS.indexOf(k) === undefined && CLASS_LOSS_METRICS.indexOf(k) === undefined,
    );
    assert.deepEqual(unknown, []);
  });
});
