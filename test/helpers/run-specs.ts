import { runSpecOf } from '../../coordinator/rounds/run-spec.js';
import type { ModelWeights } from '../../shared/codec/index.js';
import { resolveModel } from '../../shared/models/index.js';
import type { RunSpec } from '../../shared/proto/index.js';
import { encodedWidth, type DataSchema, type GlobalStatistics } from '../../shared/tabular/index.js';
import type { Tf } from '../../shared/tf/index.js';

/** What a test run is: its model reference, and its data schema with the global statistics once gathered. */
export interface TestRun {
  runId: string;
  /** "mlp", "cnn", "mlp:8", a model.json path. */
  model: string;
  schema?: DataSchema;
  statistics?: GlobalStatistics;
  /** Input size and classes of `mlp:…` without a schema. */
  tabular?: { inputSize: number; numClasses: number };
}

/**
 * A RunSpec as a coordinator sends it (resolveModel, then the coordinator's runSpecOf), and the
 * run's initial weights (round 1's global model).
 */
export async function testRunSpec(tf: Tf, run: TestRun): Promise<{ spec: RunSpec; initialWeights: ModelWeights }> {
  const { schema } = run;
  const tabular =
    run.tabular ?? (schema && { inputSize: encodedWidth(schema), numClasses: schema.label.classes.length });
  const { artifact, initialWeights } = await resolveModel(tf, run.model, { seed: 0, tabular });
  return { spec: runSpecOf(run.runId, artifact, schema ?? null, run.statistics), initialWeights };
}
