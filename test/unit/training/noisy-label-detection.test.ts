import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weightingSchema } from '../../../shared/config/index.js';
import { loadMnistSplit, subset } from '../../../shared/data/index.js';
import { getModelDefinition, readWeights } from '../../../shared/models/index.js';
import { createRng } from '../../../shared/random/index.js';
import { loadTf } from '../../../shared/tf/index.js';
import { LocalTrainer } from '../../../client-node/training/index.js';
import { planSampleWeights } from '../../../client-node/weighting/index.js';

describe('noisy-label detection on real digits', () => {
  it('flags most of 40% symmetric noise on a site with a global model trained elsewhere, and trains with the plan', async () => {
    // Prepare: a "global" MLP trained on 2,000 clean digits; a site of 600 other digits with 40% of labels flipped
    const { tf } = await loadTf('auto');
    const train = loadMnistSplit('train');
    const model = getModelDefinition('mlp').build(tf, 0);
    const init = readWeights(model);
    const globalTrainer = new LocalTrainer(
      tf,
      model,
      subset(
        train,
        Array.from({ length: 2000 }, (_, i) => i),
      ),
      1,
    );
    const global = (await globalTrainer.train(init, { localEpochs: 5, batchSize: 32, learningRate: 3e-3 }, 1)).weights;
    globalTrainer.dispose();
    const site = subset(
      train,
      Array.from({ length: 600 }, (_, i) => 2000 + i),
    );
    const rng = createRng(7);
    const noisy = new Uint8Array(600);
    const labels = Int32Array.from(site.labels, (y, i) => {
      if (rng.next() >= 0.4) return y;
      noisy[i] = 1;
      return (y + 1 + Math.floor(rng.next() * 9)) % 10; // a uniformly chosen other class
    });
    const trainer = new LocalTrainer(tf, model, { ...site, labels }, 2);
    // Execute
    const plan = planSampleWeights({
      probs: { values: trainer.predict(global), numClasses: 10 },
      labels,
      config: weightingSchema.parse({ noisyLabels: 'confident-learning' }),
      round: 1,
      curriculumStage: 1,
    });
    const fit = await trainer.train(global, { localEpochs: 1, batchSize: 32, learningRate: 1e-3 }, 1, {
      sampleWeights: plan.weights,
      targets: plan.targets,
    });
    trainer.dispose();
    model.dispose();
    // Assert
    const flagged = [...plan.weights.keys()].filter((i) => plan.weights[i] === 0);
    const truePositives = flagged.filter((i) => noisy[i]).length;
    const precision = truePositives / flagged.length;
    const recall = truePositives / noisy.reduce((a, b) => a + b, 0);
    assert.ok(precision >= 0.8, `precision ${precision.toFixed(3)}`);
    assert.ok(recall >= 0.8, `recall ${recall.toFixed(3)}`);
    assert.ok(
      Math.abs(plan.stats.noise_rate_estimate! - 0.4) < 0.1,
      `noise estimate ${plan.stats.noise_rate_estimate}`,
    );
    assert.equal(plan.stats.effective_examples, 600 - flagged.length);
    assert.ok(Number.isFinite(fit.metrics.train_loss));
  });
});
