import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weightingSchema } from '../../../shared/config/index.js';
import { planSampleWeights } from '../../../client-node/weighting/index.js';
import { assertClose } from '../../helpers/assert-close.js';

// Sample 1 is labelled 0 but the global model is confident it is a 1 (see label-issues.test.ts for the CL numbers).
const probs = { values: new Float32Array([0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.3, 0.7]), numClasses: 2 };
const labels = Int32Array.from([0, 0, 1, 1]);
const plan = (config: Record<string, unknown>, curriculumStage = 1) =>
  planSampleWeights({ probs, labels, config: weightingSchema.parse(config), round: 3, curriculumStage });

describe('per-round weighting plan', () => {
  it('confident learning zeroes the flagged sample and reports aggregates only', () => {
    const p = plan({ noisyLabels: 'confident-learning' });
    assert.deepEqual([...p.weights], [1, 0, 1, 1]);
    assert.deepEqual([...p.targets], [1, 0, 1, 0, 0, 1, 0, 1]);
    assert.equal(p.stats.effective_examples, 3);
    assert.equal(p.stats.downweighted_ratio, 0.25);
    assert.equal(p.stats.label_issues_flagged, 1);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((b) => p.stats[`weight_hist_${b}`]),
      [0.25, 0, 0, 0, 0.75],
    );
    // ℓ = −ln p̂(ỹ): class 0 → (−ln 0.9 − ln 0.2)/2, class 1 → (−ln 0.9 − ln 0.7)/2
    assertClose(
      [p.stats.class_loss_0!, p.stats.class_loss_1!],
      [-(Math.log(0.9) + Math.log(0.2)) / 2, -(Math.log(0.9) + Math.log(0.7)) / 2],
      1e-6,
    );
    assert.deepEqual([...p.suggested], [0, 1, 1, 1]);
    assert.deepEqual([...p.corrected], [0, 0, 0, 0]);
    assertClose([p.noiseRate], [0.25], 1e-12);
  });

  it('bootstraps targets towards the global model, then smooths them', () => {
    // soft β = 0.5: row 0 → 0.5·[1, 0] + 0.5·[0.9, 0.1] = [0.95, 0.05]; ε = 0.2 → 0.8·row + 0.1 = [0.86, 0.14]
    const soft = plan({ bootstrap: { beta: 0.5, mode: 'soft' }, labelSmoothing: 0.2 });
    assertClose([...soft.targets.subarray(0, 4)], [0.86, 0.14, 0.58, 0.42], 1e-6);
    // hard β = 0.5 on row 1 (label 0, argmax 1): 0.5·[1, 0] + 0.5·[0, 1]
    const hard = plan({ bootstrap: { beta: 0.5, mode: 'hard' } });
    assert.deepEqual([...hard.targets.subarray(2, 4)], [0.5, 0.5]);
    assert.deepEqual([...hard.weights], [1, 1, 1, 1]);
  });

  it('corrects a confidently wrong label instead of dropping it', () => {
    const p = plan({ noisyLabels: 'confident-learning', correctLabelsAbove: 0.75 });
    assert.deepEqual([...p.weights], [1, 1, 1, 1]);
    assert.deepEqual([...p.targets.subarray(2, 4)], [0, 1]);
    assert.equal(p.stats.labels_corrected, 1);
    assert.deepEqual([...p.corrected], [0, 1, 0, 0]);
  });

  it("admits the curriculum stage's share of easiest samples and combines with the noisy-label component", () => {
    // losses −ln p̂(ỹ) = [0.105, 1.609, 0.105, 0.357]; the 0.5-quantile pace is 0.231
    assert.deepEqual([...plan({ curriculum: { regularizer: 'hard' } }, 0.5).weights], [1, 0, 1, 0]);
    assert.deepEqual([...plan({ curriculum: { regularizer: 'hard' } }, 1).weights], [1, 1, 1, 1]);
    const lin = plan(
      { noisyLabels: 'confident-learning', curriculum: { regularizer: 'linear' }, combine: 'min' },
      0.75,
    );
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
