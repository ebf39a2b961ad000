import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { ConfigError } from '../../../shared/errors/index.js';
import {
  buildModel,
  modelSpecs,
  readWeights,
  resolveModel,
  saveModelFiles,
  writeWeights,
} from '../../../shared/models/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';
import { assertClose } from '../../helpers/assert-close.js';

let tf: Tf;
const root = mkdtempSync(join(tmpdir(), 'fedsift-models-'));
let dirs = 0;
const newDir = () => mkdirSync(join(root, `m${++dirs}`), { recursive: true })!;
before(async () => {
  tf = (await loadTf('auto')).tf;
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Layers of a canonical Sequential topology (JSON text). */
const layersOf = (topologyJson: string) =>
  (JSON.parse(topologyJson) as { config: { layers: { class_name: string; config: { activation?: string } }[] } }).config
    .layers;

/** Asserts `resolved` runs as logits: softmax of the rebuilt model's output equals the saved (softmax) model's. */
async function assertRebuildsAsLogits(saved: LayersModel, path: string, x: Tensor): Promise<void> {
  const { artifact, initialWeights } = await resolveModel(tf, path, { seed: 0 });
  const rebuilt = await buildModel(tf, artifact);
  assert.deepEqual(modelSpecs(rebuilt), initialWeights.specs);
  writeWeights(tf, rebuilt, initialWeights);
  const probs = tf.softmax(rebuilt.predict(x) as Tensor);
  assertClose(probs.dataSync(), (saved.predict(x) as Tensor).dataSync(), 1e-5, 'probabilities');
  tf.dispose([probs, x]);
  rebuilt.dispose();
}

/** A model.json as the Keras-to-tfjs converter writes it: [4] → dense 5 relu → dense 3 softmax, two weight shards. */
function writeKerasStyle(dir: string, denseClass = 'Dense'): { path: string; values: Float32Array } {
  const dense = (name: string, units: number, activation: string, extra = {}) => ({
    class_name: denseClass === 'Dense' || name === 'dense' ? 'Dense' : denseClass,
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      units,
      activation,
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      ...extra,
    },
  });
  const input = {
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' },
  };
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: [input, dense('dense', 5, 'relu'), dense('dense_1', 3, 'softmax')] },
      },
      training_config: { loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: [
          { name: 'dense/kernel', shape: [4, 5], dtype: 'float32' },
          { name: 'dense/bias', shape: [5], dtype: 'float32' },
          { name: 'dense_1/kernel', shape: [5, 3], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  const values = Float32Array.from({ length: 20 + 5 + 15 + 3 }, (_, i) => Math.sin(i + 1) / 2);
  const bytes = Buffer.from(values.buffer);
  writeFileSync(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, 90)); // cuts dense/kernel's 23rd value
  writeFileSync(join(dir, 'group1-shard2of2.bin'), bytes.subarray(90));
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(modelJson));
  return { path, values };
}

describe('model.json files', () => {
  it('saveModelFiles writes model.json + weights.bin as tfjs-node does', async () => {
    // Prepare
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [12], units: 3, activation: 'softmax' })] });
    const dir = newDir();
    // Execute
    const path = await saveModelFiles(model, dir);
    // Assert
    assert.equal(path, join(dir, 'model.json'));
    const json = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.match(json.generatedBy, /^TensorFlow\.js tfjs-layers v/);
    assert.equal(json.convertedBy, null);
    assert.deepEqual(json.weightsManifest, [{ paths: ['weights.bin'], weights: modelSpecs(model) }]);
    assert.equal(json.modelTopology.class_name, 'Sequential');
    assert.equal(statSync(join(dir, 'weights.bin')).size, (12 * 3 + 3) * 4);
    model.dispose();
  });

  it('a tfjs-saved [12] → 3 softmax model resolves to its shape, classes, linear output and saved weights', async () => {
    // Prepare
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const saved = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [12], units: 6, activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
      ],
    });
    const path = await saveModelFiles(saved, newDir());
    // Execute
    const { artifact, initialWeights } = await resolveModel(tf, path, { seed: 99 });
    // Assert
    assert.equal(artifact.ref, path);
    assert.deepEqual(artifact.inputShape, [12]);
    assert.equal(artifact.numClasses, 3);
    assert.equal(layersOf(artifact.topologyJson).at(-1)!.config.activation, 'linear');
    assert.deepEqual(initialWeights, readWeights(saved));
    await assertRebuildsAsLogits(saved, path, tf.randomNormal([5, 12], 0, 1, 'float32', 3));
    saved.dispose();
  });

  it('an image-shaped [8, 8, 1] conv model resolves with its H×W×C input and rebuilds as logits', async () => {
    // Prepare
    const saved = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
        tf.layers.activation({ activation: 'softmax' }),
      ],
    });
    const path = await saveModelFiles(saved, newDir());
    // Execute
    const { artifact, initialWeights } = await resolveModel(tf, path, { seed: 0 });
    // Assert
    assert.deepEqual(artifact.inputShape, [8, 8, 1]);
    assert.equal(artifact.numClasses, 4);
    const last = layersOf(artifact.topologyJson).at(-1)!;
    assert.deepEqual([last.class_name, last.config.activation], ['Activation', 'linear']);
    assert.deepEqual(initialWeights, readWeights(saved));
    await assertRebuildsAsLogits(saved, path, tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 4));
    saved.dispose();
  });

  it('a functional model: the layer output_layers names loses its softmax', async () => {
    // Prepare
    const input = tf.input({ shape: [6] });
    const hidden = tf.layers.dense({ units: 4, activation: 'relu', name: 'h' }).apply(input);
    const output = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(hidden);
    const saved = tf.model({ inputs: input, outputs: output as ReturnType<typeof tf.input> });
    const path = await saveModelFiles(saved, newDir());
    // Execute
    const { artifact } = await resolveModel(tf, path, { seed: 0 });
    // Assert
    const layers = JSON.parse(artifact.topologyJson).config.layers as {
      name: string;
      config: { activation: string };
    }[];
    assert.deepEqual(
      layers.filter((l) => l.name !== 'input1').map((l) => [l.name, l.config.activation]),
      [
        ['h', 'relu'],
        ['out', 'linear'],
      ],
    );
    assert.deepEqual([artifact.inputShape, artifact.numClasses], [[6], 2]);
    await assertRebuildsAsLogits(saved, path, tf.randomNormal([4, 6], 0, 1, 'float32', 5));
    saved.dispose();
  });

  it('a Keras-converter model.json (model_config wrapper, two weight shards) loads with its weights', async () => {
    // Prepare
    const { path, values } = writeKerasStyle(newDir());
    // Execute
    const { artifact, initialWeights } = await resolveModel(tf, path, { seed: 0 });
    // Assert
    assert.deepEqual([artifact.inputShape, artifact.numClasses], [[4], 3]);
    const topology = JSON.parse(artifact.topologyJson);
    assert.equal(topology.model_config, undefined);
    assert.equal(topology.config.layers.at(-1).config.activation, 'linear');
    assert.deepEqual(
      initialWeights.specs.map((s) => s.name),
      ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias'],
    );
    assert.deepEqual(initialWeights.values, values);
    const rebuilt = await buildModel(tf, artifact);
    assert.deepEqual(modelSpecs(rebuilt), initialWeights.specs);
    rebuilt.dispose();
  });
});

describe('model.json refusals', () => {
  const refusal = (fragment: string | RegExp) => (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'FS_ERR_CONFIG');
    assert.equal(err.field, 'model');
    if (typeof fragment === 'string') assert.ok(err.message.includes(fragment), err.message);
    else assert.match(err.message, fragment);
    return true;
  };

  it('a custom layer class is refused with its class name', async () => {
    const { path } = writeKerasStyle(newDir(), 'MyAttention');
    await assert.rejects(resolveModel(tf, path, { seed: 0 }), refusal(/layer "dense_1" is of class "MyAttention"/));
  });

  it('a missing weight file is refused naming its path', async () => {
    const dir = newDir();
    const { path } = writeKerasStyle(dir);
    rmSync(join(dir, 'group1-shard2of2.bin'));
    await assert.rejects(resolveModel(tf, path, { seed: 0 }), refusal(join(dir, 'group1-shard2of2.bin')));
  });

  it('a missing model.json is refused naming its path', async () => {
    const path = join(newDir(), 'nothing.json');
    await assert.rejects(resolveModel(tf, path, { seed: 0 }), refusal(`cannot read model.json ${path}`));
  });

  it('weights that do not fit the topology are refused', async () => {
    const dir = newDir();
    const { path } = writeKerasStyle(dir);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.weightsManifest[0].weights[3].name = 'dense_1/beta';
    writeFileSync(path, JSON.stringify(json));
    await assert.rejects(resolveModel(tf, path, { seed: 0 }), refusal(/cannot load the model/));
  });

  it('two outputs, one output unit, and an input of unknown length are refused', async () => {
    const input = tf.input({ shape: [5] });
    const [a, b] = [1, 2].map((i) => tf.layers.dense({ units: 2, name: `o${i}` }).apply(input));
    const twoOutputs = tf.model({ inputs: input, outputs: [a, b] as ReturnType<typeof tf.input>[] });
    const oneUnit = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 1, activation: 'sigmoid' })] });
    const sequence = tf.sequential({
      layers: [tf.layers.globalAveragePooling1d({ inputShape: [null, 3] } as never), tf.layers.dense({ units: 2 })],
    });
    const cases: [LayersModel, RegExp][] = [
      [twoOutputs, /1 inputs and 2 outputs/],
      [oneUnit, /output shape \[null, 1\] is not \[null, K\] with K ≥ 2/],
      [sequence, /input shape \[null, null, 3\] must be fixed/],
    ];
    for (const [model, fragment] of cases) {
      const path = await saveModelFiles(model, newDir());
      await assert.rejects(resolveModel(tf, path, { seed: 0 }), refusal(fragment));
      model.dispose();
    }
  });
});
