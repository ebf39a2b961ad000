import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import type { Dataset } from '../../../shared/data/index.js';
import { evaluateModel } from '../../../shared/models/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';
import { assertClose } from '../../helpers/assert-close.js';

let tf: Tf;
before(async () => {
  tf = (await loadTf('auto')).tf;
});

describe('evaluateModel', () => {
  it('feeds flat rows to an image-shaped model as [batch, H, W, C], one-hot over its K outputs', () => {
    // Prepare: an [8, 8, 1] → 3 logits model; a flat dataset of 7 rows × 64 values holding only classes 0 and 1.
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 2,
          kernelSize: 3,
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const ds: Dataset = {
      features: Float32Array.from({ length: 7 * 64 }, (_, i) => Math.cos(i) ** 2),
      labels: Int32Array.from([0, 1, 1, 0, 1, 0, 0]),
      numFeatures: 64,
      numClasses: 2,
    };
    const x = tf.tensor4d(ds.features, [7, 8, 8, 1]);
    const out = model.predict(x) as Tensor;
    const logits = Array.from({ length: 7 }, (_, i) => Array.from(out.dataSync().subarray(i * 3, i * 3 + 3)));
    const losses = logits.map((l, i) => Math.log(l.reduce((s, v) => s + Math.exp(v), 0)) - l[ds.labels[i]!]!);
    const hits = logits.filter((l, i) => l.indexOf(Math.max(...l)) === ds.labels[i]).length;
    // Execute
    const result = evaluateModel(tf, model, ds, 3);
    // Assert
    assert.equal(result.numExamples, 7);
    assertClose([result.loss], [losses.reduce((a, b) => a + b) / 7], 1e-5, 'loss');
    assert.equal(result.accuracy, hits / 7);
    tf.dispose([x, out]);
    model.dispose();
  });
});
