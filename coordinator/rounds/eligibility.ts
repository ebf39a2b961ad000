import { dataShapeMismatch, type RunDataShape } from '../../shared/contract/index.js';
import { inputSizeOf, type ModelArtifact } from '../../shared/models/index.js';
import type { ClientCapabilities } from '../../shared/proto/index.js';
import { schemaSha256, type DataSchema } from '../../shared/tabular/index.js';

/**
 * What a site's data must be for a run to select it (shared/contract RunDataShape): the input shape of its model, its
 * classes, and the SHA-256 of its data schema ('' = none).
 */
export function dataRequirement(
  artifact: Pick<ModelArtifact, 'inputShape' | 'numClasses'>,
  schema: DataSchema | null,
): RunDataShape {
  return {
    inputShape: [...artifact.inputShape],
    numClasses: artifact.numClasses,
    schemaSha256: schema ? schemaSha256(schema) : '',
  };
}

/**
 * A run's eligibility predicate over client capabilities (ClientRegistry.live): a data site whose data fits
 * (dataShapeMismatch finds nothing); an aggregator (capabilities.aggregator) only in a hierarchical run, and there
 * without the data checks (its data fields are 0/'': its clients' data is checked at the aggregator).
 */
export function fitsRun(req: RunDataShape, hierarchical: boolean): (caps: ClientCapabilities) => boolean {
  return (caps) => (caps.aggregator ? hierarchical : dataShapeMismatch(caps, req) === undefined);
}

/** What a client's data must be, in words: "784 values per example, labels below 10, no data schema". */
export function describeRequirement(req: RunDataShape): string {
  const schema = req.schemaSha256 ? `read with the run's data schema (${short(req.schemaSha256)})` : 'no data schema';
  return `${inputSizeOf(req)} values per example, labels below ${req.numClasses}, ${schema}`;
}

/** The first 12 hex digits of a SHA-256, enough to tell schemas apart in a message. */
function short(sha256: string): string {
  return sha256.slice(0, 12);
}
