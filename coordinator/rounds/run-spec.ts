import { sha256Hex } from '../../shared/codec/index.js';
import type { ModelArtifact } from '../../shared/models/index.js';
import type { RunSpec } from '../../shared/proto/index.js';
import { schemaJson, type DataSchema, type GlobalStatistics } from '../../shared/tabular/index.js';

/**
 * A run's RunSpec (what FetchRunSpec answers): the model's topology, input shape and classes, the data schema as JSON,
 * and the global feature statistics once round 0 gathered them. `sha256` is the SHA-256 of the JSON array of every
 * other field in proto order (absent statistics as null), so it changes whenever any of them does: announcements carry
 * it (runSpecSha256), and a client fetches the spec again when it differs from the one it holds.
 */
export function runSpecOf(
  runId: string,
  artifact: ModelArtifact,
  schema: DataSchema | null,
  statistics: GlobalStatistics | undefined,
): RunSpec {
  const fields = {
    runId,
    modelRef: artifact.ref,
    modelTopologyJson: artifact.topologyJson,
    inputShape: [...artifact.inputShape],
    numClasses: artifact.numClasses,
    schemaJson: schema ? schemaJson(schema) : '',
  };
  const sha256 = sha256Hex(new TextEncoder().encode(JSON.stringify([...Object.values(fields), statistics ?? null])));
  return { ...fields, ...(statistics && { statistics }), sha256 };
}
