import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelWeights } from '../codec/index.js';
import type { Tf } from '../tf/index.js';

/**
 * SPINE STUB (issue 15) — helper H2 implements this file. Signatures and docs are the contract other modules code to.
 *
 * A model as a run federates it: a Keras/tfjs Layers topology (the `modelTopology` of a model.json) that every client
 * builds with the tfjs model loader, with the input shape and class count read from it. Canonical form: a final
 * softmax (a Dense's activation, or an Activation layer) is replaced by linear, so the model outputs logits (training
 * and scoring apply softmax themselves); the Keras converter's `{model_config: …}` wrapper is unwrapped.
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
  | { kind: 'builtin'; name: string }
  | { kind: 'mlp'; hidden: number[] }
  | { kind: 'file'; path: string };

/**
 * Parses the run config's `model`: a built-in name (`mlp`, `cnn`), `mlp:<h1>,<h2>,…` (a tabular MLP with those
 * hidden sizes, ReLU; input and classes from the run's data schema), or a path ending in `.json` (a tfjs Layers
 * model.json with its weight files beside it).
 * @returns the reference, or a string saying why it is none of these.
 */
export declare function parseModelRef(ref: string): ModelRef | string;

/** Values per example a model takes: the product of its input shape. */
export declare function inputSizeOf(artifact: Pick<ModelArtifact, 'inputShape'>): number;

/**
 * Resolves a run's model (coordinator, once per run): builds a built-in or declared MLP from `seed`, or reads
 * model.json and its weight files (the format `LayersModel.save('file://…')` and the Keras-to-tfjs converter write).
 * @param tabular input size and class count of a declared MLP (from the run's data schema); required for `mlp:…`.
 * @returns the canonical artifact and the initial weights (the model's specs in `model.weights` order; from the files
 *          for a model.json, else Glorot-uniform from `seed`).
 * @throws {ConfigError} with field "model" naming what is wrong: an unreadable file or weight file, a layer class tfjs
 *         does not know (custom layers: the class name), several inputs or outputs, an output that is not [batch, K]
 *         with K ≥ 2, `mlp:…` without a schema.
 */
export declare function resolveModel(
  tf: Tf,
  ref: string,
  opts: { seed: number; tabular?: { inputSize: number; numClasses: number } },
): Promise<{ artifact: ModelArtifact; initialWeights: ModelWeights }>;

/** The artifact a RunSpec carries (client side): checks the topology parses. @throws {DataError} when it does not. */
export declare function artifactFromWire(spec: {
  modelRef: string;
  modelTopologyJson: string;
  inputShape: number[];
  numClasses: number;
}): ModelArtifact;

/**
 * Builds a fresh model from an artifact with the tfjs loader (tf.loadLayersModel over tf.io.fromMemory); its weights
 * are the initialisers' until the caller writes the global model. Weight names equal the resolving side's.
 * @throws {DataError} naming an unknown layer class.
 */
export declare function buildModel(tf: Tf, artifact: ModelArtifact): Promise<LayersModel>;

/**
 * Writes `model` as model.json + weights.bin in `dir` exactly as tfjs-node's `model.save('file://dir')` does
 * (format "layers-model", weightsManifest with one weights.bin). @returns the model.json path.
 */
export declare function saveModelFiles(model: LayersModel, dir: string): Promise<string>;
