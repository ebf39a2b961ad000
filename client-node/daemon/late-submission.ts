import { status } from '@grpc/grpc-js';
import type { Logger } from '../../shared/logging/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { RoundAnnouncement, UpdateAck } from '../../shared/proto/index.js';
import type { UpdateToSubmit } from '../link/index.js';
import type { AttemptTracker } from './attempt-tracker.js';

/**
 * How long a call for an attempt (FetchModel, SubmitUpdate) may outlive the attempt's deadline (ms). The coordinator
 * refuses what a closed attempt can no longer take (FAILED_PRECONDITION, at once), so the call's own deadline is only
 * a backstop; cut at the attempt's deadline, it failed an update folded just before the deadline while its ack was on
 * its way ("DEADLINE_EXCEEDED after 0.006s"), and the site took an accepted update for a lost one.
 */
const CALL_GRACE_MS = 30_000;

/** The gRPC deadline of a call for attempt `a` (0 = none, for an attempt without a deadline). */
export const callDeadline = (a: RoundAnnouncement): number =>
  a.deadlineUnixMs > 0 ? a.deadlineUnixMs + CALL_GRACE_MS : 0;

/** Refusals that mean the attempt closed before the update got in: a later attempt of the round may still take it. */
const ATTEMPT_CLOSED: ReadonlySet<status> = new Set([status.FAILED_PRECONDITION, status.DEADLINE_EXCEEDED]);

/**
 * How long a daemon whose attempt closed while it trained waits for the coordinator to announce the next one (ms): as
 * long as the coordinator's default wait for clients between attempts (waitForClientsMs), so a finished update is not
 * thrown away for a short wait. The wait ends at once when the daemon closes.
 */
const NEXT_ATTEMPT_WAIT_MS = 120_000;

/** What submitToOpenAttempt works with: the daemon's view of the attempts, its identity, and its submit call. */
export interface LateSubmission {
  attempts: AttemptTracker;
  clientId: string;
  /** True once the daemon closes: stop trying. */
  isClosed: () => boolean;
  /** Submits an update with a gRPC deadline (ms since epoch; 0 = none). @throws the call's gRPC error. */
  submit: (update: UpdateToSubmit, deadlineUnixMs: number) => Promise<UpdateAck>;
  log: Logger;
}

/**
 * Submits an update trained for attempt `trained`: to that attempt while it is open, else (a slow site: the attempt
 * closed while it trained) to the newest attempt of the same round that selects this client, where the coordinator
 * counts it (every attempt of a round trains from the same global model), waiting up to NEXT_ATTEMPT_WAIT_MS for the
 * coordinator to announce one. @returns the ack, or undefined when no attempt takes the update.
 * @throws the gRPC error of any refusal other than a closed attempt or a passed deadline.
 */
export async function submitToOpenAttempt(
  o: LateSubmission,
  update: UpdateToSubmit,
  trained: RoundAnnouncement,
): Promise<UpdateAck | undefined> {
  while (!o.isClosed()) {
    const target = o.attempts.current(trained);
    if (!target || !target.selectedClientIds.includes(o.clientId)) return undefined;
    if (target.attempt > trained.attempt)
      o.log.info({ trainedFor: trained.attempt, attempt: target.attempt }, 'submitting to the newer attempt');
    if (target.deadlineUnixMs === 0 || Date.now() < target.deadlineUnixMs) {
      try {
        const ack = await o.submit({ ...update, attempt: target.attempt }, callDeadline(target));
        o.attempts.markDelivered(target); // queued attempts of this round would train again for nothing
        return ack;
      } catch (err) {
        if (!isServiceError(err) || !ATTEMPT_CLOSED.has(err.code)) throw err;
      }
    }
    if (!(await o.attempts.newer(target, NEXT_ATTEMPT_WAIT_MS))) return undefined;
  }
  return undefined;
}
