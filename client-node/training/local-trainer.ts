import type { LayersModel, Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { assertSameSpecs, type ModelWeights } from '../../shared/codec/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { assertFitsModel, type Dataset } from '../../shared/data/index.js';
import { DataError } from '../../shared/errors/index.js';
import {
  evaluateModel,
  exampleShape,
  inputSizeOf,
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
 * Trains a run's model on this site's data with a custom step (Adam over the sample-weighted loss), so per-sample
 * weights and the FedProx term can enter the loss. The model is any tfjs Layers model with one input and logits
 * [batch, K] out; the dataset stays flat ([n × numFeatures], numFeatures = the product of the model's input shape)
 * and is uploaded to tfjs once, as [n, ...inputShape]. Every other tensor of a round is disposed, so
 * `tf.memory().numTensors` does not grow across rounds (BR-12). Yields to the event loop after every batch so
 * heartbeats and keepalive pings go on during long local training (BR-02). One trainer serves one run (the daemon's
 * RunContext) or one client-round (the simulation); the caller owns the model and disposes it after the trainer.
 */
export class LocalTrainer {
  /** The global weights the model currently holds (undefined after training changed them). */
  private holds: ModelWeights | undefined;
  private xs: Tensor | undefined;
  private ys: Tensor2D | undefined;
  /** One example's input shape, without the batch dimension (the model's). */
  private readonly inputShape: number[];

  /**
   * @param model the run's model (its weights are overwritten with each round's global model).
   * @param data this site's examples for the run: numFeatures = the product of the model's input shape, numClasses =
   *        the model's output width, labels below it.
   * @param seed shuffles of round r use deriveSeed(seed, 'shuffle', r).
   * @throws {DataError} when the data does not fit the model, or its input shape has an unknown dimension.
   */
  constructor(
    private readonly tf: Tf,
    private readonly model: LayersModel,
    readonly data: Dataset,
    private readonly seed: number,
  ) {
    this.inputShape = exampleShape(model);
    const outputs = model.outputs[0]!.shape.at(-1);
    assertFitsModel(data, inputSizeOf({ inputShape: this.inputShape }), data.numClasses);
    if (outputs !== data.numClasses)
      throw new DataError(`the model outputs ${outputs} classes, the site's data is prepared for ${data.numClasses}`);
  }

  /** Examples this site holds. */
  get numExamples(): number {
    return this.data.labels.length;
  }

  /**
   * Trains the global model `global` for `fit.localEpochs` epochs.
   * @param opts.sampleWeights weight ≥ 0 per local example; batches whose weights are all 0 are skipped.
   * @param opts.targets soft targets [n × K] replacing the one-hot labels (label smoothing, corrected labels).
   * @throws {InvalidUpdateError} when `global` does not match the model's specs.
   */
  async train(
    global: ModelWeights,
    fit: LocalFitConfig,
    round: number,
    opts: TrainOptions = {},
  ): Promise<LocalFitResult> {
    const tf = this.tf;
    const model = this.load(global);
    this.holds = undefined; // training moves the weights away from `global`
    const [xs, oneHot] = this.tensors();
    const { sampleWeights, targets } = opts;
    const ys = targets ? tf.tensor2d(targets, [this.numExamples, this.data.numClasses]) : oneHot;
    const started = performance.now();
    const optimizer = tf.train.adam(fit.learningRate);
    const rng = createRng(deriveSeed(this.seed, 'shuffle', round));
    const mu = fit.proximalMu ?? 0;
    const anchor = mu > 0 ? this.anchorTensors(global) : undefined;
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
  predict(global: ModelWeights, batchSize = 1000): Float32Array {
    const tf = this.tf;
    const model = this.load(global);
    const { features, numFeatures: d, numClasses: k } = this.data;
    const n = this.numExamples;
    const out = new Float32Array(n * k);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      const probs = tf.tidy(() => {
        const x = tf.tensor(features.subarray(start * d, end * d), [end - start, ...this.inputShape]);
        return tf.softmax(model.predict(x) as Tensor2D);
      });
      out.set(probs.dataSync() as Float32Array, start * k);
      probs.dispose();
    }
    return out;
  }

  /** Loss and accuracy of `global` on this site's data (the global model before local training). */
  evaluate(global: ModelWeights): EvaluationResult {
    return evaluateModel(this.tf, this.load(global), this.data);
  }

  /** Releases the data tensors (the model stays the caller's). */
  dispose(): void {
    this.holds = undefined;
    this.tf.dispose([this.xs, this.ys].filter((t): t is Tensor => t !== undefined));
    this.xs = this.ys = undefined;
  }

  private load(global: ModelWeights): LayersModel {
    // A round evaluates, scores and then trains the same global model: upload it once.
    if (this.holds !== global) {
      assertSameSpecs(modelSpecs(this.model), global.specs);
      writeWeights(this.tf, this.model, global);
      this.holds = global;
    }
    return this.model;
  }

  /** The global weights as constant tensors by weight name (the FedProx anchor); the caller disposes them. */
  private anchorTensors(global: ModelWeights): Map<string, Tensor> {
    const byName = new Map<string, Tensor>();
    let off = 0;
    for (const s of global.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      byName.set(s.name, this.tf.tensor(global.values.subarray(off, off + n), s.shape as number[]));
      off += n;
    }
    return byName;
  }

  private tensors(): [Tensor, Tensor2D] {
    if (!this.xs || !this.ys) {
      const { features, labels, numClasses } = this.data;
      this.xs = this.tf.tensor(features, [labels.length, ...this.inputShape]);
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
