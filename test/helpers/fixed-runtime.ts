import type { ModelWeights, TensorSpec } from '../../shared/codec/index.js';
import type { RunConfig } from '../../coordinator/config/index.js';
import type { ModelRuntime, RunModel } from '../../coordinator/evaluation/index.js';
import type { EvaluationResult } from '../../shared/models/index.js';
import { encodedWidth } from '../../shared/tabular/index.js';

/**
 * A ModelRuntime over a fixed-size model without tfjs, for protocol tests that need a model of an exact byte size
 * (BR-01: > 4 MiB, BR-03: 256 MiB). Initial weights are value[i] = i mod 7; evaluation reports loss = mean of the
 * weights so a test can see the aggregate, accuracy = 0. Every run's model takes 784 values and predicts 10 classes
 * (a run with a data schema: the schema's encoded width and classes), so protocol clients with MNIST-shaped
 * capabilities are eligible; its topology is not a real one.
 */
export class FixedModelRuntime implements ModelRuntime {
  readonly backend = 'none';
  readonly specs: TensorSpec[];
  evaluated: ModelWeights[] = [];

  /** @param recordEvaluated keep a copy of every evaluated model in `evaluated` (off for benchmark-sized models). */
  constructor(
    readonly numParams: number,
    private readonly recordEvaluated = true,
  ) {
    this.specs = [{ name: 'fixed/kernel', shape: [numParams], dtype: 'float32' }];
  }

  async prepare(config: RunConfig): Promise<RunModel> {
    const { schema } = config;
    const artifact = {
      ref: config.model,
      topologyJson: '{"fixed": true}',
      inputShape: [schema ? encodedWidth(schema) : 784],
      numClasses: schema ? schema.label.classes.length : 10,
    };
    return {
      artifact,
      initialWeights: () => this.initialWeights(),
      evaluate: (weights) => this.evaluate(weights),
      useStatistics: () => undefined,
      dispose: () => undefined,
    };
  }

  async initialWeights(): Promise<ModelWeights> {
    const values = new Float32Array(this.numParams);
    for (let i = 0; i < values.length; i++) values[i] = i % 7;
    return { specs: this.specs, values };
  }

  async evaluate(weights: ModelWeights): Promise<EvaluationResult> {
    // A copy: the run reuses a global model's buffer once the next round has replaced it.
    if (this.recordEvaluated) this.evaluated.push({ specs: weights.specs, values: weights.values.slice() });
    let sum = 0;
    for (let i = 0; i < weights.values.length; i++) sum += weights.values[i]!;
    return { loss: sum / weights.values.length, accuracy: 0, numExamples: 1 };
  }
}
