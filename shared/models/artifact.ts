import type { LayersModel } from '@tensorflow/tfjs';
import { numElements, type ModelWeights } from '../codec/index.js';
import { DataError, type FedsiftError } from '../errors/index.js';
import type { Tf } from '../tf/index.js';
import { readModelFiles, refuseModel, type ModelFiles } from './model-files.js';
import { buildMlp, getModelDefinition, MODEL_NAMES, readWeights } from './registry.js';
import { firstUnknownClass, replaceFinalSoftmax, unwrapTopology, type TopologyNode } from './topology.js';

/**
 * A model as a run federates it: a Keras/tfjs Layers topology (the `modelTopology` of a model.json) that every client
 * builds with the tfjs model loader, with the input shape and class count read from it. Canonical form: the topology
 * tfjs itself serialises (`model.toJSON(null, false)`: the Keras converter's `{model_config: …}` wrapper is gone), with
 * a final softmax (a layer's activation, an Activation layer, a Softmax layer) replaced by linear, so the model outputs
 * logits (training and scoring apply softmax themselves).
 */
export interface ModelArtifact {
  /** The run config's `model`: "cnn", "mlp", "mlp:64,32", or a model.json path. */
  readonly ref: string;
  /** Canonical topology as JSON text (RunSpec.model_topology_json). */
  readonly topologyJson: string;
  /** One example's input shape, without the batch dimension ([784], [28, 28, 1], [12]). */
  readonly inputShape: readonly number[];
  /** Output width K of the model (classes), ≥ 2. */
  readonly numClasses: number;
}

/** How a run names its model. */
export type ModelRef =
  { kind: 'builtin'; name: string } | { kind: 'mlp'; hidden: number[] } | { kind: 'file'; path: string };

/** How resolveModel builds a built-in or declared MLP: the seed of its initial weights, a declared MLP's sizes. */
export type ResolveOptions = { seed: number; tabular?: { inputSize: number; numClasses: number } };

/** Makes the error for a model problem: ConfigError on the resolving side, DataError on a client. */
type Fail = (message: string, cause?: unknown) => FedsiftError;

const HIDDEN_SIZE = /^[1-9]\d{0,5}$/;

/**
 * Parses the run config's `model`: a built-in name (`mlp`, `cnn`), `mlp:<h1>,<h2>,…` (a tabular MLP with those
 * hidden sizes, each an integer in [1, 999999], ReLU; input and classes from the run's data schema), or a path ending
 * in `.json` (a tfjs Layers model.json with its weight files beside it).
 * @returns the reference, or a string saying why it is none of these.
 */
export function parseModelRef(ref: string): ModelRef | string {
  if (MODEL_NAMES.includes(ref)) return { kind: 'builtin', name: ref };
  if (ref.startsWith('mlp:')) {
    const sizes = ref.slice('mlp:'.length).split(',');
    if (!sizes.every((s) => HIDDEN_SIZE.test(s.trim())))
      return `"${ref}": a tabular MLP's hidden sizes are integers from 1 to 999999 separated by commas (e.g. mlp:64,32)`;
    return { kind: 'mlp', hidden: sizes.map(Number) };
  }
  if (ref.endsWith('.json')) return { kind: 'file', path: ref };
  return (
    `"${ref}" is not a model: use a built-in (${MODEL_NAMES.join(', ')}), a tabular MLP (mlp:<hidden sizes>, ` +
    'e.g. mlp:64,32) or the path of a tfjs Layers model.json'
  );
}

/** Values per example a model takes: the product of its input shape. */
export function inputSizeOf(artifact: Pick<ModelArtifact, 'inputShape'>): number {
  return numElements(artifact.inputShape);
}

/**
 * Loads a topology (bare or in the converter's `model_config` wrapper) with the tfjs loader, with the weights of
 * `files` or else the initialisers'. Checks every layer class first, so a custom layer is named with its class.
 */
async function loadModel(
  tf: Tf,
  modelTopology: unknown,
  weights: Pick<ModelFiles, 'weightSpecs' | 'weightData'> | undefined,
  fail: Fail,
): Promise<LayersModel> {
  const node = unwrapTopology(modelTopology);
  if (!node) throw fail('the topology is not a Keras/tfjs model ({class_name, config})');
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  const unknown = firstUnknownClass(node, (className) => Object.hasOwn(known, className));
  if (unknown)
    throw fail(
      `layer "${unknown.layerName}" is of class "${unknown.className}", which TensorFlow.js does not know (a custom ` +
        "layer?); fedsift trains models made of tfjs's built-in layers",
    );
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: node, ...weights }));
  } catch (err) {
    throw fail(`TensorFlow.js cannot load the model: ${(err as Error).message.split('\n')[0]}`, err);
  }
}

const showShape = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? 'null').join(', ')}]`;

/** The input shape (without batch) and class count of a loaded model. @throws what `fail` makes when unusable. */
function shapeOf(model: LayersModel, fail: Fail): { inputShape: number[]; numClasses: number } {
  const { inputs, outputs } = model;
  if (inputs.length !== 1 || outputs.length !== 1)
    throw fail(
      `the model has ${inputs.length} inputs and ${outputs.length} outputs; fedsift trains models with one input ` +
        'and one output',
    );
  const input = inputs[0]!.shape,
    output = outputs[0]!.shape;
  if (input.length < 2 || input.slice(1).some((d) => d === null))
    throw fail(
      `the input shape ${showShape(input)} must be fixed apart from the batch (e.g. [null, 12], [null, 8, 8, 1])`,
    );
  const numClasses = output.length === 2 ? (output[1] ?? 0) : 0;
  if (numClasses < 2) throw fail(`the output shape ${showShape(output)} is not [null, K] with K ≥ 2 classes`);
  return { inputShape: input.slice(1) as number[], numClasses };
}

/** A loaded model's artifact: its canonical topology (final softmax → linear), input shape and classes. */
function artifactOf(ref: string, model: LayersModel, fail: Fail): ModelArtifact {
  const { inputShape, numClasses } = shapeOf(model, fail);
  const topology = model.toJSON(null, false) as TopologyNode;
  replaceFinalSoftmax(topology);
  return Object.freeze({
    ref,
    topologyJson: JSON.stringify(topology),
    inputShape: Object.freeze(inputShape),
    numClasses,
  });
}

async function modelOf(tf: Tf, ref: ModelRef, opts: ResolveOptions, fail: Fail): Promise<LayersModel> {
  switch (ref.kind) {
    case 'builtin':
      return getModelDefinition(ref.name).build(tf, opts.seed);
    case 'mlp': {
      const t = opts.tabular;
      if (!t)
        throw fail(
          `"mlp:${ref.hidden.join(',')}" is a tabular MLP: its input size and classes come from the run's data ` +
            'schema, and the run has none',
        );
      if (!(Number.isInteger(t.inputSize) && t.inputSize >= 1 && Number.isInteger(t.numClasses) && t.numClasses >= 2))
        throw fail(
          `a tabular MLP needs ≥ 1 input and ≥ 2 classes; the data schema gives ${t.inputSize} and ${t.numClasses}`,
        );
      return buildMlp(tf, { name: 'mlp', hidden: ref.hidden, ...t, seed: opts.seed });
    }
    case 'file': {
      const files = await readModelFiles(ref.path);
      return loadModel(tf, files.modelTopology, files, fail);
    }
  }
}

/**
 * Resolves a run's model (coordinator, once per run): builds a built-in or declared MLP from `seed`, or reads
 * model.json and its weight files (the format `LayersModel.save('file://…')` and the Keras-to-tfjs converter write;
 * weight paths relative to the model.json, several groups and shards concatenated in manifest order).
 * @param tabular input size and class count of a declared MLP (from the run's data schema); required for `mlp:…`.
 * @returns the canonical artifact and the initial weights (the model's specs in `model.weights` order, named by
 *          `originalName` as modelSpecs does; from the files for a model.json, else Glorot-uniform from `seed`).
 * @throws {ConfigError} with field "model" naming what is wrong: an unreadable model.json or weight file (its path), a
 *         layer class tfjs does not know (custom layers: the class name), several inputs or outputs, an input with
 *         unknown dimensions besides the batch, an output that is not [batch, K] with K ≥ 2, weights that do not match
 *         the topology, `mlp:…` without a schema.
 */
export async function resolveModel(
  tf: Tf,
  ref: string,
  opts: ResolveOptions,
): Promise<{ artifact: ModelArtifact; initialWeights: ModelWeights }> {
  const parsed = parseModelRef(ref);
  if (typeof parsed === 'string') throw refuseModel(parsed);
  const fail: Fail =
    parsed.kind === 'file' ? (message, cause) => refuseModel(`${parsed.path}: ${message}`, cause) : refuseModel;
  const model = await modelOf(tf, parsed, opts, fail);
  try {
    return { artifact: artifactOf(ref, model, fail), initialWeights: readWeights(model) };
  } finally {
    model.dispose();
  }
}

/**
 * The artifact a RunSpec carries (client side): checks the topology parses as a model node and the shape and class
 * count are well formed. @throws {DataError} when they are not.
 */
export function artifactFromWire(spec: {
  modelRef: string;
  modelTopologyJson: string;
  inputShape: number[];
  numClasses: number;
}): ModelArtifact {
  const fail = (message: string, cause?: unknown) =>
    new DataError(`run spec's model "${spec.modelRef}": ${message}`, { field: 'model', cause });
  let topology: unknown;
  try {
    topology = JSON.parse(spec.modelTopologyJson);
  } catch (err) {
    throw fail(`the topology is not JSON: ${(err as Error).message}`, err);
  }
  if (!unwrapTopology(topology)) throw fail('the topology is not a Keras/tfjs model ({class_name, config})');
  if (!spec.inputShape.length || !spec.inputShape.every((d) => Number.isInteger(d) && d >= 1))
    throw fail(`input shape [${spec.inputShape.join(', ')}] is not a list of positive integers`);
  if (!(Number.isInteger(spec.numClasses) && spec.numClasses >= 2))
    throw fail(`class count ${spec.numClasses} is not an integer ≥ 2`);
  return Object.freeze({
    ref: spec.modelRef,
    topologyJson: spec.modelTopologyJson,
    inputShape: Object.freeze([...spec.inputShape]),
    numClasses: spec.numClasses,
  });
}

/**
 * Builds a fresh model from an artifact with the tfjs loader (tf.loadLayersModel over tf.io.fromMemory, topology
 * only); its weights are the initialisers' until the caller writes the global model. Weight names (`originalName`,
 * as modelSpecs reads them: `<layer>/<weight>`) and order equal the resolving side's, so writeWeights and
 * assertSameSpecs apply. The caller disposes the model.
 * @throws {DataError} naming an unknown layer class, or a topology whose input shape or class count differs from the
 *         artifact's.
 */
export async function buildModel(tf: Tf, artifact: ModelArtifact): Promise<LayersModel> {
  const fail = (message: string, cause?: unknown) =>
    new DataError(`model "${artifact.ref}": ${message}`, { field: 'model', cause });
  const model = await loadModel(tf, JSON.parse(artifact.topologyJson), undefined, fail);
  try {
    const { inputShape, numClasses } = shapeOf(model, fail);
    if (showShape(inputShape) !== showShape(artifact.inputShape) || numClasses !== artifact.numClasses)
      throw fail(
        `the topology takes ${showShape(inputShape)} and gives ${numClasses} classes; the run spec says ` +
          `${showShape(artifact.inputShape)} and ${artifact.numClasses}`,
      );
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}
