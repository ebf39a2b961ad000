import { sha256Hex } from '../../shared/codec/index.js';
import type { ModelWeights } from '../../shared/codec/index.js';
import { resolveModel } from '../../shared/models/index.js';
import type { RunSpec } from '../../shared/proto/index.js';
import { encodedWidth, schemaJson, type DataSchema, type GlobalStatistics } from '../../shared/tabular/index.js';
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
 * A RunSpec as a coordinator sends it (resolveModel, then the wire fields), with a sha256 over every field, and the
 * run's initial weights (round 1's global model).
 */
export async function testRunSpec(tf: Tf, run: TestRun): Promise<{ spec: RunSpec; initialWeights: ModelWeights }> {
  const { schema } = run;
  const tabular =
    run.tabular ?? (schema && { inputSize: encodedWidth(schema), numClasses: schema.label.classes.length });
  const { artifact, initialWeights } = await resolveModel(tf, run.model, { seed: 0, tabular });
  const fields = {
    runId: run.runId,
    modelRef: artifact.ref,
    modelTopologyJson: artifact.topologyJson,
    inputShape: [...artifact.inputShape],
    numClasses: artifact.numClasses,
    schemaJson: schema ? schemaJson(schema) : '',
    statistics: run.statistics ?? null,
  };
  return { spec: { ...fields, sha256: sha256Hex(new TextEncoder().encode(JSON.stringify(fields))) }, initialWeights };
}
