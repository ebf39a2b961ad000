import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bytesToFloat32, float32ToBytes, type ModelWeights } from '../../../shared/codec/index.js';
import type { LayersModel } from '@tensorflow/tfjs';
import { loadMnistSplit, subset, type Dataset } from '../../../shared/data/index.js';
import { DataError } from '../../../shared/errors/index.js';
import { getModelDefinition, readWeights } from '../../../shared/models/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';
import { LocalTrainer, weightedSoftmaxCrossEntropy } from '../../../client-node/training/index.js';
import { assertClose } from '../../helpers/assert-close.js';

let tf: Tf;
before(async () => {
  tf = (await loadTf('auto')).tf;
});

const digits = () =>
  subset(
    loadMnistSplit('train'),
    Array.from({ length: 256 }, (_, i) => i),
  );

/** A trainer of a fresh built-in model (weights from `modelSeed`) over `data`; `close` disposes trainer and model. */
function builtIn(name: string, data: Dataset, seed = 1, modelSeed = 0) {
  const model = getModelDefinition(name).build(tf, modelSeed);
  const trainer = new LocalTrainer(tf, model, data, seed);
  return {
    trainer,
    global: readWeights(model),
    close: () => {
      trainer.dispose();
      model.dispose();
    },
  };
}

/** A CNN whose input is an image [28, 28, 1], not the flat 784 values (no reshape layer): logits for 10 classes. */
function imageModel(): LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 4 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ],
  });
}

describe('local training', () => {
  it('BR-12: numTensors and numBytes do not grow across 50 rounds of decode → train → encode', async () => {
    // Prepare
    const site = builtIn(
      'mlp',
      subset(
        digits(),
        Array.from({ length: 64 }, (_, i) => i),
      ),
    );
    let wire = float32ToBytes(site.global.values).slice();
    const specs = site.global.specs;
    const after: { numTensors: number; numBytes: number }[] = [];
    // Execute
    for (let round = 1; round <= 50; round++) {
      const global: ModelWeights = { specs, values: bytesToFloat32(wire) };
      const res = await site.trainer.train(global, { localEpochs: 1, batchSize: 16, learningRate: 1e-3 }, round);
      wire = float32ToBytes(res.weights.values).slice();
      after.push({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
    }
    site.close();
    // Assert: Δ = 0 from round 1 on
    assert.equal(
      after[49]!.numTensors - after[0]!.numTensors,
      0,
      `numTensors ${after[0]!.numTensors} → ${after[49]!.numTensors}`,
    );
    assert.equal(
      after[49]!.numBytes - after[0]!.numBytes,
      0,
      `numBytes ${after[0]!.numBytes} → ${after[49]!.numBytes}`,
    );
  });

  it('lowers the training loss and changes the weights on real digits (CNN, wasm kernels)', async () => {
    const { trainer, global, close } = builtIn('cnn', digits(), 2, 3);
    const before = trainer.evaluate(global);
    const res = await trainer.train(global, { localEpochs: 3, batchSize: 32, learningRate: 3e-3 }, 1);
    const afterEval = trainer.evaluate(res.weights);
    close();
    assert.equal(res.numExamples, 256);
    assert.ok(afterEval.loss < before.loss * 0.7, `loss ${before.loss} → ${afterEval.loss}`);
    assert.ok(afterEval.accuracy > before.accuracy + 0.2, `accuracy ${before.accuracy} → ${afterEval.accuracy}`);
    assert.ok(res.metrics.train_loss! > 0 && Number.isFinite(res.metrics.train_ms));
  });

  it('trains an image-shaped model ([28, 28, 1] input) on the flat digits, shaping them as the model takes them', async () => {
    // Prepare: the dataset stays flat, 784 values per digit
    const model = imageModel();
    const data = digits();
    const trainer = new LocalTrainer(tf, model, data, 2);
    const global = readWeights(model);
    // Execute
    const before = trainer.evaluate(global);
    const res = await trainer.train(global, { localEpochs: 3, batchSize: 32, learningRate: 3e-3 }, 1);
    const afterEval = trainer.evaluate(res.weights);
    const probs = trainer.predict(res.weights);
    trainer.dispose();
    model.dispose();
    // Assert
    assert.equal(data.numFeatures, 784);
    assert.ok(afterEval.loss < before.loss * 0.7, `loss ${before.loss} → ${afterEval.loss}`);
    assert.ok(afterEval.accuracy > before.accuracy + 0.2, `accuracy ${before.accuracy} → ${afterEval.accuracy}`);
    assert.equal(probs.length, 256 * 10);
    const rowSums = Array.from({ length: 256 }, (_, i) => probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b));
    assertClose(rowSums, new Array<number>(256).fill(1), 1e-5, 'probability row sum');
  });

  it('refuses data that does not fit the model: other values per example, labels beyond its classes, an open dimension', () => {
    const model = getModelDefinition('mlp').build(tf, 0);
    const narrow: Dataset = {
      features: new Float32Array(40),
      labels: new Int32Array(2),
      numFeatures: 20,
      numClasses: 10,
    };
    assert.throws(
      () => new LocalTrainer(tf, model, narrow, 1),
      (e: unknown) =>
        e instanceof DataError && /data has 20 features per example, the model expects 784/.test(e.message),
    );
    const threeClasses = { ...digits(), numClasses: 3 };
    assert.throws(
      () => new LocalTrainer(tf, model, threeClasses, 1),
      (e: unknown) => e instanceof DataError && /label \d+, outside \[0, 3\)/.test(e.message),
    );
    model.dispose();
    const open = tf.sequential({
      layers: [
        tf.layers.globalAveragePooling1d({ inputShape: [null as unknown as number, 4] }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const rows: Dataset = { features: new Float32Array(8), labels: new Int32Array(2), numFeatures: 4, numClasses: 2 };
    assert.throws(
      () => new LocalTrainer(tf, open, rows, 1),
      (e: unknown) => e instanceof DataError && /input shape \[, 4\] has an open dimension/.test(e.message),
    );
    open.dispose();
  });

  it('skips batches whose sample weights are all zero: no parameter change, no NaN', async () => {
    const { trainer, global, close } = builtIn('mlp', digits());
    const zero = await trainer.train(global, { localEpochs: 1, batchSize: 32, learningRate: 1e-2 }, 1, {
      sampleWeights: new Float32Array(256),
    });
    const some = await trainer.train(global, { localEpochs: 1, batchSize: 32, learningRate: 1e-2 }, 1, {
      sampleWeights: new Float32Array(256).fill(1),
    });
    close();
    assert.deepEqual(zero.weights.values, global.values);
    assert.equal(zero.metrics.train_loss, 0);
    assert.notDeepEqual(some.weights.values, global.values);
    assert.ok(Number.isFinite(some.metrics.train_loss));
  });

  it('FedProx: a proximal term μ > 0 keeps the local model nearer the global one', async () => {
    const { trainer, global, close } = builtIn('mlp', digits());
    const drift = async (proximalMu: number) => {
      const res = await trainer.train(global, { localEpochs: 2, batchSize: 32, learningRate: 1e-2, proximalMu }, 1);
      return Math.sqrt(res.weights.values.reduce((s, v, i) => s + (v - global.values[i]!) ** 2, 0));
    };
    const [plain, prox] = [await drift(0), await drift(1)];
    close();
    assert.ok(prox < plain * 0.8, `‖w − w_global‖: μ=0 ${plain}, μ=1 ${prox}`);
  });

  it('refuses global weights whose specs differ from the model', async () => {
    const { trainer, close } = builtIn('mlp', digits());
    const bad: ModelWeights = {
      specs: [{ name: 'hidden/kernel', shape: [1], dtype: 'float32' }],
      values: new Float32Array(1),
    };
    await assert.rejects(
      trainer.train(bad, { localEpochs: 1, batchSize: 8, learningRate: 1e-3 }, 1),
      /update has 1 tensors, the model has 4/,
    );
    close();
  });
});

describe('weighted loss', () => {
  it('BR-11: gradients of the Σw-normalised loss equal training on the weighted samples alone', () => {
    // ℓ = [0.5, 1.0, 2.0, 4.0], w = [1, 0, 0.5, 0]: only samples 1 and 3 (1-based) with weights [1, 0.5] may matter
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0.5, 0.5],
      [-2, 1],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    const kernel = tf.variable(
      tf.tensor2d([
        [0.1, -0.2],
        [0.3, 0.05],
      ]),
    );
    const grad = (xs: import('@tensorflow/tfjs').Tensor2D, ys: import('@tensorflow/tfjs').Tensor2D, w: number[]) =>
      tf
        .variableGrads(() => weightedSoftmaxCrossEntropy(tf, ys, tf.matMul(xs, kernel), tf.tensor1d(w)), [kernel])
        .grads[kernel.name]!.dataSync();
    const all = grad(x, y, [1, 0, 0.5, 0]);
    const alone = grad(
      tf.gather(x, [0, 2]) as import('@tensorflow/tfjs').Tensor2D,
      tf.gather(y, [0, 2]) as import('@tensorflow/tfjs').Tensor2D,
      [1, 0.5],
    );
    assertClose(all, alone, 1e-6);
    const zero = grad(x, y, [0, 0, 0, 0]);
    assert.ok(
      zero.every((g) => g === 0),
      'an all-zero-weight batch has zero gradient, no NaN',
    );
  });

  it('normalises by Σw and gives 0, not NaN, for an all-zero batch', () => {
    // logits chosen so per-sample CE = ℓ: a one-class-hot row with logit gap g has CE = log(1 + e^{-g}) for 2 classes
    const losses = [0.5, 1.0, 2.0, 4.0];
    const logits = tf.tensor2d(losses.map((l) => [Math.log(1 / (Math.exp(l) - 1)), 0]));
    const labels = tf.tensor2d(losses.map(() => [1, 0]));
    const value = (w: number[]) => weightedSoftmaxCrossEntropy(tf, labels, logits, tf.tensor1d(w)).dataSync()[0]!;
    assertClose([value([1, 0, 0.5, 0])], [1.0], 1e-5);
    assert.equal(value([0, 0, 0, 0]), 0);
    assertClose([weightedSoftmaxCrossEntropy(tf, labels, logits).dataSync()[0]!], [(0.5 + 1 + 2 + 4) / 4], 1e-5);
  });
});
