import type { LayersModel, Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { assertSameSpecs, type ModelWeights } from '../../shared/codec/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { assertFitsModel, type Dataset } from '../../shared/data/index.js';
import {
  evaluateModel,
  getModelDefinition,
  modelSpecs,
  readWeights,
  writeWeights,
  type EvaluationResult,
} from '../../shared/models/index.js';
import { createRng, deriveSeed, shuffleInPlace } from '../../shared/random/index.js';
import type { Tf } from '../../shared/tf/index.js';
import { weightedSoftmaxCrossEntropy } from './weighted-loss.js';

/** Local training settings of one round. */
export interface LocalFitConfig {
  localEpochs: number;
  /** samples */
  batchSize: number;
  learningRate: number;
  /** FedProx μ ≥ 0; the loss gains (μ/2)·‖w − w_global‖² when > 0. */
  proximalMu?: number;
}

/** Optional per-round inputs of {@link LocalTrainer.train}. */
export interface TrainOptions {
  /** Weight ≥ 0 per local example, [n]. */
  sampleWeights?: Float32Array;
  /** Training targets [n × K] instead of one-hot labels. */
  targets?: Float32Array;
}

/** A client's trained weights and what it reports with them. */
export interface LocalFitResult {
  weights: ModelWeights;
  /** Samples trained on (the FedAvg weight). */
  numExamples: number;
  /** train_loss (mean weighted CE of the last epoch, nats), train_ms (wall time), epochs. */
  metrics: Record<string, number>;
}

/**
 * Trains a registry model on this site's data with a custom step (Adam over the sample-weighted loss), so per-sample
 * weights and later the FedProx term can enter the loss. The dataset is uploaded to tfjs once; every other tensor of a
 * round is disposed, so `tf.memory().numTensors` does not grow across rounds (BR-12). Yields to the event loop after
 * every batch so heartbeats and keepalive pings go on during long local training (BR-02).
 */
export class LocalTrainer {
  private readonly models = new Map<string, LayersModel>();
  /** The weights each cached model currently holds (undefined after training changed them). */
  private readonly holds = new Map<string, ModelWeights>();
  private xs: Tensor2D | undefined;
  private ys: Tensor2D | undefined;

  /** @param seed shuffles of round r use deriveSeed(seed, 'shuffle', r). */
  constructor(
    private readonly tf: Tf,
    readonly data: Dataset,
    private readonly seed: number,
  ) {}

  /** Examples this site holds. */
  get numExamples(): number {
    return this.data.labels.length;
  }

  /**
   * Trains the global model `global` for `fit.localEpochs` epochs.
   * @param opts.sampleWeights weight ≥ 0 per local example; batches whose weights are all 0 are skipped.
   * @param opts.targets soft targets [n × K] replacing the one-hot labels (label smoothing, corrected labels).
   * @throws {InvalidUpdateError} when `global` does not match the model's specs; {DataError} when the data does not fit.
   */
  async train(
    modelName: string,
    global: ModelWeights,
    fit: LocalFitConfig,
    round: number,
    opts: TrainOptions = {},
  ): Promise<LocalFitResult> {
    const tf = this.tf;
    const model = this.load(modelName, global);
    this.holds.delete(modelName); // training moves the weights away from `global`
    const [xs, oneHot] = this.tensors();
    const { sampleWeights, targets } = opts;
    const ys = targets ? tf.tensor2d(targets, [this.numExamples, this.data.numClasses]) : oneHot;
    const started = performance.now();
    const optimizer = tf.train.adam(fit.learningRate);
    const rng = createRng(deriveSeed(this.seed, 'shuffle', round));
    const mu = fit.proximalMu ?? 0;
    const anchor = mu > 0 ? this.anchorTensors(model, global) : undefined;
    const order = Array.from({ length: this.numExamples }, (_, i) => i);
    let lossSum = 0,
      lossWeight = 0;
    try {
      for (let epoch = 0; epoch < fit.localEpochs; epoch++) {
        shuffleInPlace(rng, order);
        lossSum = lossWeight = 0;
        for (let start = 0; start < order.length; start += fit.batchSize) {
          const idx = order.slice(start, start + fit.batchSize);
          const w = sampleWeights ? Float32Array.from(idx, (i) => sampleWeights[i]!) : undefined;
          const wSum = w ? w.reduce((a, b) => a + b, 0) : idx.length;
          if (!(wSum > 0)) continue;
          const idxT = tf.tensor1d(idx, 'int32');
          const wT = w ? tf.tensor1d(w) : undefined;
          const loss = optimizer.minimize(() => {
            const ce = weightedSoftmaxCrossEntropy(
              tf,
              tf.gather(ys, idxT),
              model.apply(tf.gather(xs, idxT), { training: true }) as Tensor2D,
              wT,
            );
            return anchor ? tf.add(ce, proximalTerm(tf, model, anchor, mu)) : ce;
          }, true)!;
          lossSum += loss.dataSync()[0]! * wSum;
          lossWeight += wSum;
          tf.dispose([loss, idxT, ...(wT ? [wT] : [])]);
          await new Promise((r) => setImmediate(r));
        }
      }
    } finally {
      optimizer.dispose();
      if (anchor) tf.dispose([...anchor.values()]);
      if (ys !== oneHot) ys.dispose();
    }
    return {
      weights: readWeights(model),
      numExamples: this.numExamples,
      metrics: {
        [CLIENT_METRICS.trainLoss]: lossWeight > 0 ? lossSum / lossWeight : 0,
        [CLIENT_METRICS.trainMs]: performance.now() - started,
        [CLIENT_METRICS.epochs]: fit.localEpochs,
      },
    };
  }

  /**
   * Class probabilities softmax(logits) of the global model on every local example, [n × K] row-major, computed in
   * batches of 1,000 (small predict batches are slow on wasm).
   */
  predict(modelName: string, global: ModelWeights, batchSize = 1000): Float32Array {
    const tf = this.tf;
    const model = this.load(modelName, global);
    const { features, numFeatures: d, numClasses: k } = this.data;
    const n = this.numExamples;
    const out = new Float32Array(n * k);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      const probs = tf.tidy(() =>
        tf.softmax(model.predict(tf.tensor2d(features.subarray(start * d, end * d), [end - start, d])) as Tensor2D),
      );
      out.set(probs.dataSync() as Float32Array, start * k);
      probs.dispose();
    }
    return out;
  }

  /** Loss and accuracy of `global` on this site's data (the global model before local training). */
  evaluate(modelName: string, global: ModelWeights): EvaluationResult {
    return evaluateModel(this.tf, this.load(modelName, global), this.data);
  }

  /** Releases the cached models and data tensors. */
  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
    this.holds.clear();
    this.tf.dispose([this.xs, this.ys].filter((t): t is Tensor2D => t !== undefined));
    this.xs = this.ys = undefined;
  }

  private load(modelName: string, global: ModelWeights): LayersModel {
    let model = this.models.get(modelName);
    if (!model) {
      const def = getModelDefinition(modelName);
      assertFitsModel(this.data, def.inputSize, def.numClasses);
      model = def.build(this.tf, 0);
      this.models.set(modelName, model);
    }
    // A round evaluates, scores and then trains the same global model: upload it once.
    if (this.holds.get(modelName) !== global) {
      assertSameSpecs(modelSpecs(model), global.specs);
      writeWeights(this.tf, model, global);
      this.holds.set(modelName, global);
    }
    return model;
  }

  /** The global weights as constant tensors by weight name (the FedProx anchor); the caller disposes them. */
  private anchorTensors(model: LayersModel, global: ModelWeights): Map<string, Tensor> {
    const byName = new Map<string, Tensor>();
    let off = 0;
    for (const s of global.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      byName.set(s.name, this.tf.tensor(global.values.subarray(off, off + n), s.shape as number[]));
      off += n;
    }
    return byName;
  }

  private tensors(): [Tensor2D, Tensor2D] {
    if (!this.xs || !this.ys) {
      const { features, labels, numFeatures, numClasses } = this.data;
      this.xs = this.tf.tensor2d(features, [labels.length, numFeatures]);
      this.ys = this.tf.tidy(() => this.tf.oneHot(this.tf.tensor1d(labels, 'int32'), numClasses).toFloat() as Tensor2D);
    }
    return [this.xs, this.ys];
  }
}

/**
 * FedProx proximal term (μ/2)·Σ_v ‖v − g_v‖² over the model's trainable weights v and their global values g_v.
 * @see Li et al. 2020, "Federated Optimization in Heterogeneous Networks", Eq. 2.
 */
export function proximalTerm(tf: Tf, model: LayersModel, anchor: ReadonlyMap<string, Tensor>, mu: number): Scalar {
  return tf.tidy(() => {
    const terms = model.trainableWeights.map((w) => tf.sum(tf.square(tf.sub(w.read(), anchor.get(w.originalName)!))));
    return tf.mul(mu / 2, tf.addN(terms)) as Scalar;
  });
}
