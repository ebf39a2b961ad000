import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bytesToFloat32, float32ToBytes, type ModelWeights } from '../../../shared/codec/index.js';
import { loadMnistSplit, subset } from '../../../shared/data/index.js';
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

describe('local training', () => {
  it('BR-12: numTensors and numBytes do not grow across 50 rounds of decode → train → encode', async () => {
    // Prepare
    const trainer = new LocalTrainer(
      tf,
      subset(
        digits(),
        Array.from({ length: 64 }, (_, i) => i),
      ),
      1,
    );
    const model = getModelDefinition('mlp').build(tf, 0);
    let wire = float32ToBytes(readWeights(model).values).slice();
    const specs = readWeights(model).specs;
    model.dispose();
    const after: { numTensors: number; numBytes: number }[] = [];
    // Execute
    for (let round = 1; round <= 50; round++) {
      const global: ModelWeights = { specs, values: bytesToFloat32(wire) };
      const res = await trainer.train('mlp', global, { localEpochs: 1, batchSize: 16, learningRate: 1e-3 }, round);
      wire = float32ToBytes(res.weights.values).slice();
      after.push({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
    }
    trainer.dispose();
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
    const trainer = new LocalTrainer(tf, digits(), 2);
    const model = getModelDefinition('cnn').build(tf, 3);
    const global = readWeights(model);
    model.dispose();
    const before = trainer.evaluate('cnn', global);
    const res = await trainer.train('cnn', global, { localEpochs: 3, batchSize: 32, learningRate: 3e-3 }, 1);
    const afterEval = trainer.evaluate('cnn', res.weights);
    trainer.dispose();
    assert.equal(res.numExamples, 256);
    assert.ok(afterEval.loss < before.loss * 0.7, `loss ${before.loss} → ${afterEval.loss}`);
    assert.ok(afterEval.accuracy > before.accuracy + 0.2, `accuracy ${before.accuracy} → ${afterEval.accuracy}`);
    assert.ok(res.metrics.train_loss! > 0 && Number.isFinite(res.metrics.train_ms));
  });

  it('skips batches whose sample weights are all zero: no parameter change, no NaN', async () => {
    const trainer = new LocalTrainer(tf, digits(), 1);
    const model = getModelDefinition('mlp').build(tf, 0);
    const global = readWeights(model);
    model.dispose();
    const zero = await trainer.train('mlp', global, { localEpochs: 1, batchSize: 32, learningRate: 1e-2 }, 1, {
      sampleWeights: new Float32Array(256),
    });
    const some = await trainer.train('mlp', global, { localEpochs: 1, batchSize: 32, learningRate: 1e-2 }, 1, {
      sampleWeights: new Float32Array(256).fill(1),
    });
    trainer.dispose();
    assert.deepEqual(zero.weights.values, global.values);
    assert.equal(zero.metrics.train_loss, 0);
    assert.notDeepEqual(some.weights.values, global.values);
    assert.ok(Number.isFinite(some.metrics.train_loss));
  });

  it('FedProx: a proximal term μ > 0 keeps the local model nearer the global one', async () => {
    const trainer = new LocalTrainer(tf, digits(), 1);
    const model = getModelDefinition('mlp').build(tf, 0);
    const global = readWeights(model);
    model.dispose();
    const drift = async (proximalMu: number) => {
      const res = await trainer.train(
        'mlp',
        global,
        { localEpochs: 2, batchSize: 32, learningRate: 1e-2, proximalMu },
        1,
      );
      return Math.sqrt(res.weights.values.reduce((s, v, i) => s + (v - global.values[i]!) ** 2, 0));
    };
    const [plain, prox] = [await drift(0), await drift(1)];
    trainer.dispose();
    assert.ok(prox < plain * 0.8, `‖w − w_global‖: μ=0 ${plain}, μ=1 ${prox}`);
  });

  it('refuses global weights whose specs differ from the model', async () => {
    const trainer = new LocalTrainer(tf, digits(), 1);
    const bad: ModelWeights = {
      specs: [{ name: 'hidden/kernel', shape: [1], dtype: 'float32' }],
      values: new Float32Array(1),
    };
    await assert.rejects(
      trainer.train('mlp', bad, { localEpochs: 1, batchSize: 8, learningRate: 1e-3 }, 1),
      /update has 1 tensors, the model has 4/,
    );
    trainer.dispose();
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
