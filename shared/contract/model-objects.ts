/**
 * Names of the global models a coordinator puts into the NATS JetStream object store (when it has NATS), so that its
 * clients fetch each round's model from their nearest NATS server instead of from the coordinator. Both sides derive
 * the object of a round from the announcement's federation, run and round: no extra field travels.
 */

/** Object store bucket of every federation's global models (stream `OBJ_fedsift-models`). */
export const MODEL_OBJECTS_BUCKET = 'fedsift-models';

/**
 * Key, in an object's metadata, of the model's FetchModel header as JSON (tensor specs, total bytes, SHA-256): the
 * object holds only the raw little-endian float32 bytes, as FetchModel's data chunks do.
 */
export const MODEL_HEADER_METADATA_KEY = 'fedsift-model-header';

/** The object holding the global model that opens `round` of a run: `<federation id>/<run id>/<round>`. */
export function modelObjectName(federationId: string, runId: string, round: number): string {
  return `${federationId}/${runId}/${round}`;
}
