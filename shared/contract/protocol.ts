/**
 * Revision of the fedsift.v1 wire contract this build speaks. A site and its coordinator must speak the same one: the
 * coordinator refuses a Join from another revision, and a client refuses a coordinator of another one, each naming
 * both (a silent mismatch would, e.g., train weighted runs unweighted). Revisions:
 * 1 (unnumbered, sent as 0): the round's weighting as JSON text (FitConfig.weighting_json).
 * 2: the weighting as a typed Weighting message; UpdateHeader.attempt.
 * 3: one daemon per site: JoinRequest.session_id (sent on every later call as `fedsift-session` metadata), takeover;
 *    the federation id (JoinResponse and RoundAnnouncement `federation_id`; absent = the default federation); the
 *    CheckSite call (preflight).
 * 4: any model and data schema: ClientCapabilities describe the site's data (num_features, num_label_classes,
 *    schema_sha256) instead of naming registry models; FetchRunSpec, SubmitStatistics and round 0
 *    (ROUND_PHASE_STATISTICS); RoundAnnouncement.run_spec_sha256.
 * 5: update codecs: FitConfig.update_codec, UpdateHeader.codec (total_bytes and sha256 of the encoded bytes, the
 *    delta against the global model for every codec but none); ModelHeader.codec (a binary16 global model); a
 *    trailing digest (UpdateChunk.sha256 after the data when the header's sha256 is empty).
 * 6: privacy: FitConfig.local_privacy (local DP), FitConfig.secure_aggregation, the SecureAggregation stream and the
 *    UpdateCodec kind "secagg" (SecAgg+ masked vectors through SubmitUpdate).
 * 7: asynchronous runs: RoundAnnouncement.dispatch (a dispatch batch, whose id is its attempt).
 * 8: hierarchical aggregation: ClientCapabilities.aggregator, FitConfig.sub_fleet (SubFleetFold), UpdateHeader.sub_fleet
 *    (SubFleetUpdate); RoundSummary.client_updates and sub_fleet_failed.
 */
export const PROTOCOL_VERSION = 8;

/** The revision a peer states: 0 (an older build that sends no revision) is revision 1. */
export function protocolRevision(stated: number | undefined): number {
  return stated || 1;
}

/**
 * Why a peer of revision `theirs` cannot work with this build, or undefined when it can.
 * @param who the peer as the message names it ("the client", "the coordinator").
 */
export function protocolMismatch(who: string, theirs: number | undefined): string | undefined {
  const revision = protocolRevision(theirs);
  if (revision === PROTOCOL_VERSION) return undefined;
  return (
    `${who} speaks fedsift protocol revision ${revision}, this build speaks ${PROTOCOL_VERSION}: ` +
    'run the same fedsift release on the coordinator and its sites'
  );
}

/** Most sub-fleet failures an aggregator lists in one update (UpdateHeader.sub_fleet.failures); the rest are counted. */
export const MAX_SUB_FLEET_FAILURES = 100;

/**
 * Longest client id (characters) of a listed sub-fleet failure (UpdateHeader.sub_fleet.failures): Join's bound on a
 * site id, ample for the ids a client registry makes of them (`c-` and 12 hex digits).
 */
export const MAX_SUB_FLEET_CLIENT_ID_CHARS = 200;

/** Longest reason (characters) of a listed sub-fleet failure: an aggregator shortens longer ones before it forwards them. */
export const MAX_SUB_FLEET_REASON_CHARS = 1000;
