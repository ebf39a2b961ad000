import type { ModelWeights, TensorSpec } from '../../shared/codec/index.js';
import type { ModelRuntime } from '../../coordinator/evaluation/index.js';

/**
 * A ModelRuntime over a fixed-size model without tfjs, for protocol tests that need a model of an exact byte size
 * (BR-01: > 4 MiB, BR-03: 256 MiB). Initial weights are value[i] = i mod 7; evaluation reports loss = mean of the
 * weights so a test can see the aggregate, accuracy = 0.
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

  async initialWeights(): Promise<ModelWeights> {
    const values = new Float32Array(this.numParams);
    for (let i = 0; i < values.length; i++) values[i] = i % 7;
    return { specs: this.specs, values };
  }

  async evaluate(_model: string, weights: ModelWeights) {
    // A copy: the run reuses a global model's buffer once the next round has replaced it.
    if (this.recordEvaluated) this.evaluated.push({ specs: weights.specs, values: weights.values.slice() });
    let sum = 0;
    for (let i = 0; i < weights.values.length; i++) sum += weights.values[i]!;
    return { loss: sum / weights.values.length, accuracy: 0, numExamples: 1 };
  }

  unsupported(): undefined {
    return undefined;
  }

  dispose(): void {}
}
