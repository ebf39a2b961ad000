import type { ClientCapabilities, RoundAnnouncement, RunSpec } from '../../shared/proto/index.js';
import { parseDataSchema, schemaSha256 } from '../../shared/tabular/index.js';
import { fitsRun } from '../rounds/index.js';

/** Who announces a relayed attempt: the aggregator (its coordinator id and federation) and its id at the upstream. */
export interface RelayIdentity {
  aggregatorId: string;
  /** The upstream's federation, which the aggregator's clients were told on Join. */
  federationId: string;
  /** The aggregator's client id at the upstream. */
  upstreamId: string;
}

/**
 * The announcement an aggregator sends its clients for upstream announcement `a`: the same run, round, phase, model,
 * fit config and run spec, as the aggregator's own (its coordinator id and local attempt number), selecting `selected`
 * with the aggregator's deadline; every selected client evaluates the global model when the upstream asked the aggregator to.
 * @param deadlineUnixMs the local deadline; null = none (0 on the wire).
 */
export function relayedAnnouncement(
  a: RoundAnnouncement,
  who: RelayIdentity,
  local: { selected: string[]; modelSha256: string; deadlineUnixMs: number | null; attempt: number },
): RoundAnnouncement {
  return {
    ...a,
    coordinatorId: who.aggregatorId,
    federationId: who.federationId,
    modelSha256: local.modelSha256,
    selectedClientIds: local.selected,
    evaluateClientIds: a.evaluateClientIds.includes(who.upstreamId) ? local.selected : [],
    deadlineUnixMs: local.deadlineUnixMs ?? 0,
    attempt: local.attempt,
  };
}

/**
 * Which of the aggregator's clients can train a run: the coordinator's own test (fitsRun) against the run's spec,
 * its schema's SHA-256 from schema_json, as in a flat run (an aggregator below an aggregator is never selected).
 * @throws {ConfigError} when the spec's schema_json is not a valid data schema.
 */
export function subFleetShape(spec: RunSpec): (caps: ClientCapabilities) => boolean {
  return fitsRun(
    { inputShape: spec.inputShape, numClasses: spec.numClasses, schemaSha256: specSchemaSha256(spec) },
    false,
  );
}

/** The SHA-256 of a RunSpec's data schema ('' = none). @throws {ConfigError} when schema_json is not a data schema. */
export function specSchemaSha256(spec: RunSpec): string {
  if (!spec.schemaJson) return '';
  return schemaSha256(parseDataSchema(JSON.parse(spec.schemaJson) as unknown, 'RunSpec.schema_json'));
}
