import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelWeights } from '../../shared/codec/index.js';
import { assertFitsModel, type Dataset } from '../../shared/data/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { evaluateModel, getModelDefinition, readWeights, writeWeights, type EvaluationResult } from '../../shared/models/index.js';
import type { LoadedTf } from '../../shared/tf/index.js';

/** The coordinator's use of tfjs: building initial weights and centralised evaluation on its held-out test set. */
export interface ModelRuntime {
  /** Backend tfjs runs on (for logs and status). */
  readonly backend: string;
  /** Weights of a freshly built registry model, initialised from `seed`. */
  initialWeights(modelName: string, seed: number): Promise<ModelWeights>;
  /** Loss and accuracy of `weights` on the test set. @throws {DataError} when the test set does not fit the model. */
  evaluate(modelName: string, weights: ModelWeights): Promise<EvaluationResult>;
  dispose(): void;
}

/** tfjs-backed ModelRuntime; keeps one built model per architecture for evaluation. */
export class TfModelRuntime implements ModelRuntime {
  private readonly models = new Map<string, LayersModel>();

  constructor(private readonly loaded: LoadedTf, private readonly testSet: Dataset, private readonly logger: Logger) {}

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
      const def = getModelDefinition(modelName);
      assertFitsModel(this.testSet, def.inputSize, def.numClasses);
      model = def.build(this.loaded.tf, 0);
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
