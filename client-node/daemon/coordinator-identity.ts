import { federationIdProblem, federationOf, protocolMismatch } from '../../shared/contract/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import type { JoinResponse, RoundAnnouncement } from '../../shared/proto/index.js';

/** Who a daemon's coordinator is, as its last JoinResponse says: the process and the federation it serves. */
export interface CoordinatorIdentity {
  coordinatorId: string;
  /** A valid federation id ('' from an older coordinator reads as the default one). */
  federationId: string;
}

/**
 * The coordinator's identity from its JoinResponse, after the checks that make its announcements usable.
 * @throws {ConfigError} (field `coordinator`) when the coordinator speaks another protocol revision, or names a
 *         federation id that is not one (it would become part of a NATS subject filter).
 */
export function identityFromJoin(res: JoinResponse): CoordinatorIdentity {
  const mismatch = protocolMismatch('the coordinator', res.protocolVersion);
  if (mismatch) throw new ConfigError(mismatch, { field: 'coordinator' });
  const federationId = federationOf(res.federationId);
  const problem = federationIdProblem(federationId);
  if (problem) throw new ConfigError(`the coordinator's federation id ${problem}`, { field: 'coordinator' });
  return { coordinatorId: res.coordinatorId, federationId };
}

/**
 * What a daemon does with an announcement it heard:
 * - `play`: its coordinator's; handle it (FIT rounds that select the client are played, RUN_DONE clears the run).
 * - `rejoin`: a live round that selects this client, from another process of its federation's coordinator: the
 *   coordinator restarted and resumed a run; a re-join learns its new id, then the announcement is looked at again.
 * - `other-federation`: another federation's (NATS subjects keep those away; this holds should one publish on ours).
 * - `stale`: another coordinator process's, nothing to play: JetStream keeps the last messages of an earlier process's
 *   runs, and a Join for each of those would be noise.
 * @param nowMs the current time (ms since epoch), against the round's deadline.
 */
export function classifyAnnouncement(
  a: RoundAnnouncement,
  own: CoordinatorIdentity,
  clientId: string,
  nowMs: number,
): 'play' | 'rejoin' | 'other-federation' | 'stale' {
  if (federationOf(a.federationId) !== own.federationId) return 'other-federation';
  if (!a.coordinatorId || !own.coordinatorId || a.coordinatorId === own.coordinatorId) return 'play';
  const open = a.deadlineUnixMs === 0 || nowMs < a.deadlineUnixMs;
  return a.phase === 'ROUND_PHASE_FIT' && a.selectedClientIds.includes(clientId) && open ? 'rejoin' : 'stale';
}
