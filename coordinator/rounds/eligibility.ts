import { inputSizeOf, type ModelArtifact } from '../../shared/models/index.js';
import type { ClientCapabilities } from '../../shared/proto/index.js';
import { schemaSha256, type DataSchema } from '../../shared/tabular/index.js';

/** What a site's data must be for a run to select it: the shape its model takes, and the run's data schema. */
export interface DataRequirement {
  /** Values per example the model takes (product of its input shape). */
  readonly numFeatures: number;
  /** The model's classes: a site's labels must lie below. */
  readonly numClasses: number;
  /** Hex SHA-256 of the run's data schema (schemaSha256); '' = the run has none, and neither may the site. */
  readonly schemaSha256: string;
}

/** The requirement of a run with this model and schema (null = none). */
export function dataRequirement(artifact: Pick<ModelArtifact, 'inputShape' | 'numClasses'>, schema: DataSchema | null) {
  return {
    numFeatures: inputSizeOf(artifact),
    numClasses: artifact.numClasses,
    schemaSha256: schema ? schemaSha256(schema) : '',
  };
}

/** Why a client with these capabilities cannot take part in the run (pure), or undefined when it can. */
export function unfitReason(req: DataRequirement, caps: ClientCapabilities): string | undefined {
  if (caps.schemaSha256 !== req.schemaSha256) {
    const has = caps.schemaSha256 ? `schema ${short(caps.schemaSha256)}` : 'no schema';
    return `its data was read with ${has}`;
  }
  if (caps.numFeatures !== req.numFeatures) return `its examples hold ${caps.numFeatures} values`;
  if (caps.numLabelClasses > req.numClasses) return `its labels reach class ${caps.numLabelClasses - 1}`;
  return undefined;
}

/** A run's eligibility predicate over client capabilities (ClientRegistry.live). */
export function fitsRun(req: DataRequirement): (caps: ClientCapabilities) => boolean {
  return (caps) => unfitReason(req, caps) === undefined;
}

/** What a client's data must be, in words: "784 values per example, labels below 10, no data schema". */
export function describeRequirement(req: DataRequirement): string {
  const schema = req.schemaSha256 ? `read with the run's data schema (${short(req.schemaSha256)})` : 'no data schema';
  return `${req.numFeatures} values per example, labels below ${req.numClasses}, ${schema}`;
}

/** The first 12 hex digits of a SHA-256, enough to tell schemas apart in a message. */
function short(sha256: string): string {
  return sha256.slice(0, 12);
}
