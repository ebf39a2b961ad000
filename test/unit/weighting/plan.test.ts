import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weightingSchema } from '../../../shared/config/index.js';
import { planSampleWeights } from '../../../client-node/weighting/index.js';
import { assertClose } from '../../helpers/assert-close.js';

// Sample 1 is labelled 0 but the global model is confident it is a 1 (see label-issues.test.ts for the CL numbers).
const probs = { values: new Float32Array([0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.3, 0.7]), numClasses: 2 };
const labels = Int32Array.from([0, 0, 1, 1]);
const plan = (config: Record<string, unknown>, curriculumStage = 1) => planSampleWeights({ probs, labels, config: weightingSchema.parse(config), round: 3, curriculumStage });

describe('per-round weighting plan', () => {
  it('confident learning zeroes the flagged sample and reports aggregates only', () => {
    const p = plan({ noisyLabels: 'confident-learning' });
    assert.deepEqual([...p.weights], [1, 0, 1, 1]);
    assert.deepEqual([...p.targets], [1, 0, 1, 0, 0, 1, 0, 1]);
    assert.equal(p.stats.effective_examples, 3);
    assert.equal(p.stats.downweighted_ratio, 0.25);
    assert.equal(p.stats.label_issues_flagged, 1);
    assert.deepEqual(p.issues.map((i) => [i.index, i.givenLabel, i.suggestedLabel, i.corrected]), [[1, 0, 1, false]]);
    assertClose([p.issues[0]!.score], [0.2], 1e-6);
  });

  it('corrects a confidently wrong label instead of dropping it', () => {
    const p = plan({ noisyLabels: 'confident-learning', correctLabelsAbove: 0.75 });
    assert.deepEqual([...p.weights], [1, 1, 1, 1]);
    assert.deepEqual([...p.targets.subarray(2, 4)], [0, 1]);
    assert.equal(p.stats.labels_corrected, 1);
    assert.equal(p.issues[0]!.corrected, true);
  });

  it('admits the curriculum stage\'s share of easiest samples and combines with the noisy-label component', () => {
    // losses −ln p̂(ỹ) = [0.105, 1.609, 0.105, 0.357]; the 0.5-quantile pace is 0.231
    assert.deepEqual([...plan({ curriculum: { regularizer: 'hard' } }, 0.5).weights], [1, 0, 1, 0]);
    assert.deepEqual([...plan({ curriculum: { regularizer: 'hard' } }, 1).weights], [1, 1, 1, 1]);
    const lin = plan({ noisyLabels: 'confident-learning', curriculum: { regularizer: 'linear' }, combine: 'min' }, 0.75);
    assert.equal(lin.weights[1], 0);
    assert.equal(lin.stats.curriculum_stage, 0.75);
  });

  it('smooths targets and leaves refused probability rows at weight 1', () => {
    const p = plan({ labelSmoothing: 0.2 });
    assertClose(p.targets.subarray(0, 2), [0.9, 0.1], 1e-7);
    const bad = planSampleWeights({
      probs: { values: new Float32Array([NaN, 0.5, 0.9, 0.1]), numClasses: 2 }, // row 0 refused: its uniform loss ln 2 would be dropped
      labels: Int32Array.from([0, 0]),
      config: weightingSchema.parse({ noisyLabels: 'small-loss', smallLoss: { noiseRate: 0.5, warmupRounds: 1 } }),
      round: 5,
      curriculumStage: 1,
    });
    assert.equal(bad.weights[0], 1, 'the refused row is left alone, not dropped by small-loss selection');
    assert.equal(bad.weights[1], 1);
    assert.equal(bad.stats.probabilities_refused, 1);
  });
});
