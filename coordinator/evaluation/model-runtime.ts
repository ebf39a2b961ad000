import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelWeights } from '../../shared/codec/index.js';
import type { DataSourceConfig } from '../../shared/config/index.js';
import type { Dataset } from '../../shared/data/index.js';
import { DataError, runConfigError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  buildModel,
  evaluateModel,
  resolveModel,
  writeWeights,
  type EvaluationResult,
  type ModelArtifact,
} from '../../shared/models/index.js';
import { encodedWidth, encodeTable, type GlobalStatistics, type Table } from '../../shared/tabular/index.js';
import type { LoadedTf } from '../../shared/tf/index.js';
import type { RunConfig } from '../config/index.js';
import { modelSchemaMismatch } from './fit-checks.js';
import { loadRunTestData, type RunTestData } from './test-data.js';

/** The coordinator's use of tfjs: each run's model, resolved once, and central evaluation on the run's test data. */
export interface ModelRuntime {
  /** Backend tfjs runs on (for logs and status). */
  readonly backend: string;
  /**
   * Prepares a run: resolves its `model` (built-in, declared MLP from its schema, or model.json files), checks it
   * against the run's schema, and reads its test data (`testData`, else the coordinator's).
   * @throws {ConfigError} naming the field: `model` (unreadable files, a layer class tfjs does not know, `mlp:…`
   *         without a schema), `model` and `schema` (the model's input or classes are not the schema's), `testData`
   *         (unreadable, or does not fit the model).
   */
  prepare(config: RunConfig): Promise<RunModel>;
}

/** One run's model on the coordinator. Calls come from the run's controller, one at a time. */
export interface RunModel {
  /** The model as the run federates it (RunSpec; eligibility: input size, classes). */
  readonly artifact: ModelArtifact;
  /**
   * Round 1's global model: the model.json's weights, or the initialisers' from the run seed. The caller owns the
   * buffer (the run recycles it).
   */
  initialWeights(): Promise<ModelWeights>;
  /** The run's global feature statistics (round 0): a test table is encoded with them (standardised, imputed). */
  useStatistics(statistics: GlobalStatistics): void;
  /**
   * Loss and accuracy of `weights` on the run's test data; `weights` must not be kept after the promise settles.
   * @throws {DataError} for a schema's test table before useStatistics.
   */
  evaluate(weights: ModelWeights): Promise<EvaluationResult>;
  /** Frees the evaluation model and the test data (the run finished). */
  dispose(): void;
}

/** tfjs-backed ModelRuntime. */
export class TfModelRuntime implements ModelRuntime {
  /** @param testData the coordinator's held-out data (its config's testData), for runs that name none. */
  constructor(
    private readonly loaded: LoadedTf,
    private readonly testData: DataSourceConfig,
    private readonly logger: Logger,
  ) {}

  get backend(): string {
    return this.loaded.backend;
  }

  async prepare(config: RunConfig): Promise<RunModel> {
    const { schema } = config;
    const { artifact, initialWeights } = await resolveRunModel(this.loaded, config);
    const mismatch = schema && modelSchemaMismatch(artifact, schema);
    if (mismatch) throw runConfigError('model', mismatch);
    const test = loadRunTestData(config.testData ?? this.testData, config.testData !== null, artifact, schema);
    this.logger.debug({ model: artifact.ref, inputShape: artifact.inputShape }, 'run model resolved');
    return new TfRunModel(this.loaded, config, { artifact, initialWeights }, test);
  }
}

/** resolveModel for a run: its model, seed, and (a declared MLP's) input size and classes from its schema. */
function resolveRunModel(loaded: LoadedTf, run: Pick<RunConfig, 'model' | 'seed' | 'schema'>) {
  const { schema, seed } = run;
  const tabular = schema ? { inputSize: encodedWidth(schema), numClasses: schema.label.classes.length } : undefined;
  return resolveModel(loaded.tf, run.model, { seed, tabular });
}

/** A run's resolved model, its initial weights until round 1 takes them, and its test data. */
class TfRunModel implements RunModel {
  readonly artifact: ModelArtifact;
  private initial: ModelWeights | undefined;
  private dataset: Dataset | undefined;
  private table: Table | undefined;
  private built: Promise<LayersModel> | undefined;

  constructor(
    private readonly loaded: LoadedTf,
    private readonly run: Pick<RunConfig, 'model' | 'seed' | 'schema'>,
    resolved: { artifact: ModelArtifact; initialWeights: ModelWeights },
    test: RunTestData,
  ) {
    ({ artifact: this.artifact, initialWeights: this.initial } = resolved);
    ({ dataset: this.dataset, table: this.table } = test);
  }

  /**
   * The first call hands over the weights resolveModel gave (the run owns them from then on); a later one resolves the
   * model again (same seed or files: same weights).
   */
  async initialWeights(): Promise<ModelWeights> {
    const kept = this.initial;
    this.initial = undefined;
    return kept ?? (await resolveRunModel(this.loaded, this.run)).initialWeights;
  }

  useStatistics(statistics: GlobalStatistics): void {
    if (this.table) this.dataset = encodeTable(this.table, statistics);
    this.table = undefined;
  }

  async evaluate(weights: ModelWeights): Promise<EvaluationResult> {
    if (!this.dataset) throw new DataError("the run's test table waits for the feature statistics of round 0");
    this.built ??= buildModel(this.loaded.tf, this.artifact);
    const model = await this.built;
    writeWeights(this.loaded.tf, model, weights);
    return evaluateModel(this.loaded.tf, model, this.dataset);
  }

  dispose(): void {
    void this.built?.then(
      (m) => m.dispose(),
      () => undefined, // it never built: nothing to free
    );
    this.built = undefined;
    this.dataset = this.table = undefined;
  }
}
