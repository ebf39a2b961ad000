import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelWeights, TensorSpec } from '../codec/index.js';
import type { Tf } from '../tf/index.js';

/** Classes every registry model predicts (labels of site data must lie in [0, NUM_CLASSES)). */
const NUM_CLASSES = 10;

/**
 * One model architecture, built identically by the coordinator and every client from this definition. Inputs are
 * flat feature vectors of `inputSize` floats (an MNIST digit: 784 values in [0, 1]); outputs are `numClasses` logits
 * (no softmax: the training step uses softmax cross-entropy on logits).
 */
export interface ModelDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSize: number;
  readonly numClasses: number;
  /** Builds a fresh model; `seed` fixes the initial weights (Glorot-uniform kernels, zero biases). */
  build(tf: Tf, seed: number): LayersModel;
}

/**
 * Builds a multilayer perceptron named `name`: Dense ReLU layers of `hidden` units (named `hidden`, `hidden2`,
 * `hidden3`, …) and a Dense `logits` layer of `numClasses` units (no softmax), over flat inputs of `inputSize` values.
 * Layer i's kernel is Glorot-uniform seeded `seed + i` (the logits layer's: `seed + hidden.length`), biases zero.
 * `hidden` has at least one size.
 */
export function buildMlp(
  tf: Tf,
  spec: { name: string; inputSize: number; hidden: readonly number[]; numClasses: number; seed: number },
): LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: spec.seed + i });
  return tf.sequential({
    name: spec.name,
    layers: [
      ...spec.hidden.map((units, i) =>
        tf.layers.dense({
          name: i ? `hidden${i + 1}` : 'hidden',
          ...(i ? {} : { inputShape: [spec.inputSize] }),
          units,
          activation: 'relu',
          kernelInitializer: init(i),
        }),
      ),
      tf.layers.dense({
        name: 'logits',
        units: spec.numClasses,
        kernelInitializer: init(spec.hidden.length),
      }),
    ],
  });
}

const mlp: ModelDefinition = {
  name: 'mlp',
  description: 'MLP 784-128(relu)-10, 101,770 parameters',
  inputSize: 784,
  numClasses: NUM_CLASSES,
  build: (tf, seed) => buildMlp(tf, { name: 'mlp', inputSize: 784, hidden: [128], numClasses: NUM_CLASSES, seed }),
};

const cnn: ModelDefinition = {
  name: 'cnn',
  description:
    'CNN for 28x28x1: conv 16@5x5(relu) → maxpool 2 → conv 32@5x5(relu) → maxpool 2 → dense 10, 18,378 parameters',
  inputSize: 784,
  numClasses: NUM_CLASSES,
  build(tf, seed) {
    const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
    return tf.sequential({
      name: 'cnn',
      layers: [
        tf.layers.reshape({ name: 'image', inputShape: [784], targetShape: [28, 28, 1] }),
        tf.layers.conv2d({ name: 'conv1', filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init(0) }),
        tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ name: 'logits', units: NUM_CLASSES, kernelInitializer: init(2) }),
      ],
    });
  },
};

const REGISTRY: ReadonlyMap<string, ModelDefinition> = new Map([mlp, cnn].map((m) => [m.name, m]));

/** Names of the registered models (`mlp`, `cnn`). */
export const MODEL_NAMES = [...REGISTRY.keys()] as [string, ...string[]];

/** Looks up a model definition. @throws {Error} for an unknown name (config validation normally catches it first). */
export function getModelDefinition(name: string): ModelDefinition {
  const def = REGISTRY.get(name);
  if (!def) throw new Error(`unknown model "${name}"; known: ${MODEL_NAMES.join(', ')}`);
  return def;
}

/** Tensor specs of a built model, named by the layer-relative weight name (`conv1/kernel`), stable across processes. */
export function modelSpecs(model: LayersModel): TensorSpec[] {
  return model.weights.map((w) => ({
    name: w.originalName,
    shape: [...w.shape] as number[],
    dtype: 'float32' as const,
  }));
}

/** Copies a model's current weights into one flat ModelWeights vector (in `model.weights` order). */
export function readWeights(model: LayersModel): ModelWeights {
  const specs = modelSpecs(model);
  const tensors = model.getWeights();
  const values = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let off = 0;
  for (const t of tensors) {
    values.set(t.dataSync() as Float32Array, off);
    off += t.size;
  }
  return { specs, values };
}

/**
 * Loads flat weights into a model. The caller checks specs first (assertSameSpecs); shapes come from `weights.specs`.
 * Creates and disposes the temporary tensors, so nothing leaks across rounds (BR-12).
 */
export function writeWeights(tf: Tf, model: LayersModel, weights: ModelWeights): void {
  let off = 0;
  const tensors = weights.specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(weights.values.subarray(off, off + n), s.shape as number[], 'float32');
    off += n;
    return t;
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}
