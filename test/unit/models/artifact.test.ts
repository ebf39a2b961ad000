import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import { ConfigError, DataError } from '../../../shared/errors/index.js';
import {
  artifactFromWire,
  buildModel,
  getModelDefinition,
  inputSizeOf,
  modelSpecs,
  parseModelRef,
  readWeights,
  resolveModel,
  writeWeights,
} from '../../../shared/models/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';

let tf: Tf;
before(async () => {
  tf = (await loadTf('auto')).tf;
});

const isError =
  (cls: typeof ConfigError | typeof DataError, code: string, fragment: RegExp) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof cls, String(err));
    assert.equal(err.code, code);
    assert.equal(err.field, 'model');
    assert.match(err.message, fragment);
    return true;
  };
const configError = (fragment: RegExp) => isError(ConfigError, 'FS_ERR_CONFIG', fragment);
const dataError = (fragment: RegExp) => isError(DataError, 'FS_ERR_DATA', fragment);

describe('model references', () => {
  it('parses built-ins, declared MLPs and model.json paths', () => {
    assert.deepEqual(parseModelRef('cnn'), { kind: 'builtin', name: 'cnn' });
    assert.deepEqual(parseModelRef('mlp'), { kind: 'builtin', name: 'mlp' });
    assert.deepEqual(parseModelRef('mlp:64,32'), { kind: 'mlp', hidden: [64, 32] });
    assert.deepEqual(parseModelRef('mlp:16'), { kind: 'mlp', hidden: [16] });
    assert.deepEqual(parseModelRef('/models/m/model.json'), { kind: 'file', path: '/models/m/model.json' });
  });

  it('says why a reference is none of them', () => {
    for (const bad of ['mlp:', 'mlp:0', 'mlp:64,,32', 'mlp:-4', 'mlp:1.5', 'mlp:a', 'mlp:1000000'])
      assert.match(parseModelRef(bad) as string, /hidden sizes are integers from 1 to 999999/, bad);
    assert.match(parseModelRef('resnet') as string, /"resnet" is not a model: use a built-in \(mlp, cnn\)/);
  });

  it('inputSizeOf is the product of the input shape', () => {
    assert.equal(inputSizeOf({ inputShape: [28, 28, 1] }), 784);
    assert.equal(inputSizeOf({ inputShape: [12] }), 12);
  });
});

describe('declared tabular MLP', () => {
  it('mlp:64,32 builds ReLU hidden layers and logits over the tabular sizes, seeded', async () => {
    // Execute
    const { artifact, initialWeights } = await resolveModel(tf, 'mlp:64,32', {
      seed: 7,
      tabular: { inputSize: 9, numClasses: 3 },
    });
    const again = await resolveModel(tf, 'mlp:64,32', { seed: 7, tabular: { inputSize: 9, numClasses: 3 } });
    const other = await resolveModel(tf, 'mlp:64,32', { seed: 8, tabular: { inputSize: 9, numClasses: 3 } });
    // Assert
    assert.deepEqual([artifact.ref, artifact.inputShape, artifact.numClasses], ['mlp:64,32', [9], 3]);
    assert.deepEqual(
      initialWeights.specs.map((s) => `${s.name}[${s.shape.join(',')}]`),
      [
        'hidden/kernel[9,64]',
        'hidden/bias[64]',
        'hidden2/kernel[64,32]',
        'hidden2/bias[32]',
        'logits/kernel[32,3]',
        'logits/bias[3]',
      ],
    );
    const layers = JSON.parse(artifact.topologyJson).config.layers as { config: { activation: string } }[];
    assert.deepEqual(
      layers.map((l) => l.config.activation),
      ['relu', 'relu', 'linear'],
    );
    assert.deepEqual(again.initialWeights.values, initialWeights.values);
    assert.notDeepEqual(other.initialWeights.values, initialWeights.values);
  });

  it('mlp:… without the tabular sizes is refused, naming the schema', async () => {
    await assert.rejects(resolveModel(tf, 'mlp:64,32', { seed: 0 }), configError(/from the run's data schema/));
    await assert.rejects(
      resolveModel(tf, 'mlp:64', { seed: 0, tabular: { inputSize: 4, numClasses: 1 } }),
      configError(/≥ 2 classes; the data schema gives 4 and 1/),
    );
    await assert.rejects(resolveModel(tf, 'mlp:0', { seed: 0 }), configError(/hidden sizes are integers/));
  });
});

describe('built-in models as artifacts', () => {
  it('cnn through resolveModel → buildModel predicts the same logits as the registry model', async () => {
    // Prepare
    const reference = getModelDefinition('cnn').build(tf, 5);
    const x = tf.randomUniform([6, 784], 0, 1, 'float32', 11);
    // Execute
    const { artifact, initialWeights } = await resolveModel(tf, 'cnn', { seed: 5 });
    const built = await buildModel(tf, artifact);
    writeWeights(tf, built, initialWeights);
    // Assert
    assert.deepEqual([artifact.inputShape, artifact.numClasses], [[784], 10]);
    assert.deepEqual(initialWeights, readWeights(reference));
    assert.deepEqual(modelSpecs(built), initialWeights.specs);
    const [got, want] = [built, reference].map((m) => (m.predict(x) as Tensor).dataSync());
    assert.deepEqual(got, want);
    tf.dispose(x);
    built.dispose();
    reference.dispose();
  });
});

describe('artifacts on the client', () => {
  it('artifactFromWire keeps what the RunSpec carries, and buildModel rebuilds it', async () => {
    const { artifact } = await resolveModel(tf, 'mlp', { seed: 1 });
    const wire = artifactFromWire({
      modelRef: 'mlp',
      modelTopologyJson: artifact.topologyJson,
      inputShape: [784],
      numClasses: 10,
    });
    assert.deepEqual(wire, artifact);
    const model = await buildModel(tf, wire);
    assert.deepEqual(
      modelSpecs(model).map((s) => s.name),
      ['hidden/kernel', 'hidden/bias', 'logits/kernel', 'logits/bias'],
    );
    model.dispose();
  });

  it('artifactFromWire refuses a topology that is not a model, a bad shape or class count', () => {
    const spec = { modelRef: 'm', modelTopologyJson: '{"class_name":"Sequential","config":{}}', inputShape: [3] };
    assert.throws(() => artifactFromWire({ ...spec, modelTopologyJson: '{', numClasses: 2 }), dataError(/not JSON/));
    assert.throws(
      () => artifactFromWire({ ...spec, modelTopologyJson: '[]', numClasses: 2 }),
      dataError(/not a Keras\/tfjs model/),
    );
    assert.throws(() => artifactFromWire({ ...spec, inputShape: [0], numClasses: 2 }), dataError(/input shape \[0\]/));
    assert.throws(() => artifactFromWire({ ...spec, numClasses: 1 }), dataError(/class count 1/));
  });

  it('buildModel refuses an unknown layer class and a topology that contradicts the spec', async () => {
    const { artifact } = await resolveModel(tf, 'mlp', { seed: 1 });
    const custom = artifact.topologyJson.replace('"class_name":"Dense"', '"class_name":"MyDense"');
    await assert.rejects(buildModel(tf, { ...artifact, topologyJson: custom }), dataError(/of class "MyDense"/));
    await assert.rejects(
      buildModel(tf, { ...artifact, numClasses: 3 }),
      dataError(/takes \[784\] and gives 10 classes; the run spec says \[784\] and 3/),
    );
  });
});
