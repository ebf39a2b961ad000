import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelWeights } from '../../shared/codec/index.js';
import type { Dataset } from '../../shared/data/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  dataMismatch,
  evaluateModel,
  getModelDefinition,
  modelsFor,
  readWeights,
  writeWeights,
  type EvaluationResult,
} from '../../shared/models/index.js';
import type { LoadedTf } from '../../shared/tf/index.js';

/** The coordinator's use of tfjs: building initial weights and centralised evaluation on its held-out test set. */
export interface ModelRuntime {
  /** Backend tfjs runs on (for logs and status). */
  readonly backend: string;
  /** Weights of a freshly built registry model, initialised from `seed`. */
  initialWeights(modelName: string, seed: number): Promise<ModelWeights>;
  /** Loss and accuracy of `weights` on the test set; `weights` must not be kept after the promise settles (the run reuses its buffer). @throws {DataError} when the test set does not fit the model. */
  evaluate(modelName: string, weights: ModelWeights): Promise<EvaluationResult>;
  /** Why runs of `modelName` cannot be evaluated here (test data does not fit it), or undefined when they can. */
  unsupported(modelName: string): string | undefined;
  dispose(): void;
}

/** tfjs-backed ModelRuntime; keeps one built model per architecture for evaluation. */
export class TfModelRuntime implements ModelRuntime {
  private readonly models = new Map<string, LayersModel>();

  /** @throws {DataError} when the test set fits no registry model. */
  constructor(
    private readonly loaded: LoadedTf,
    private readonly testSet: Dataset,
    private readonly logger: Logger,
  ) {
    modelsFor(testSet, "the coordinator's test data");
  }

  unsupported(modelName: string): string | undefined {
    const why = dataMismatch(modelName, this.testSet);
    return why && `the coordinator's test data does not fit model ${modelName}: ${why}`;
  }

  get backend(): string {
    return this.loaded.backend;
  }

  async initialWeights(modelName: string, seed: number): Promise<ModelWeights> {
    const model = getModelDefinition(modelName).build(this.loaded.tf, seed);
    try {
      return readWeights(model);
    } finally {
      model.dispose();
    }
  }

  async evaluate(modelName: string, weights: ModelWeights): Promise<EvaluationResult> {
    let model = this.models.get(modelName);
    if (!model) {
      model = getModelDefinition(modelName).build(this.loaded.tf, 0);
      this.models.set(modelName, model);
      this.logger.debug({ model: modelName }, 'built evaluation model');
    }
    writeWeights(this.loaded.tf, model, weights);
    return evaluateModel(this.loaded.tf, model, this.testSet);
  }

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }
}
