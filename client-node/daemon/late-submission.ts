import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import type { Logger } from '../../shared/logging/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { RoundAnnouncement, UpdateAck } from '../../shared/proto/index.js';
import type { UpdateToSubmit } from '../link/index.js';
import type { AttemptTracker } from './attempt-tracker.js';
import { nextUploadStep, type UploadRetryPolicy } from './upload-retry.js';

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

/**
 * How long a daemon whose attempt closed while it trained waits for the coordinator to announce the next one (ms): as
 * long as the coordinator's default wait for clients between attempts (waitForClientsMs), so a finished update is not
 * thrown away for a short wait. The wait ends at once when the daemon closes.
 */
const NEXT_ATTEMPT_WAIT_MS = 120_000;

/**
 * What submitToOpenAttempt works with: the daemon's view of the attempts, its identity, its submit call and how it
 * retries a failed upload.
 */
export interface LateSubmission {
  attempts: AttemptTracker;
  clientId: string;
  /** True once the daemon closes: stop trying. */
  isClosed: () => boolean;
  /**
   * Submits an update with a gRPC deadline (ms since epoch; 0 = none), on a connection of its own when `fresh` (a
   * retry: not the one that just failed). @throws the call's gRPC error.
   */
  submit: (update: UpdateToSubmit, deadlineUnixMs: number, fresh: boolean) => Promise<UpdateAck>;
  retry: UploadRetryPolicy;
  /** Called before each retry with the gRPC status of the failed try (e.g. to count it). */
  onRetry?: (code: status) => void;
  /**
   * The update belongs to the attempt it was made for alone (a SecAgg+ masked vector: every attempt is a fresh
   * instance with its own masks; an asynchronous run's dispatch, named by its batch): no later attempt takes it, and
   * its ack does not mark the round delivered, because the attempt may still fail at unmasking and the site then
   * plays the next one (a site may be dispatched from the same round again). Retries stay on that attempt.
   */
  pinned?: boolean;
  log: Logger;
}

/**
 * Submits an update trained for attempt `trained`: to that attempt while it is open, else (a slow site: the attempt
 * closed while it trained) to the newest attempt of the same round that selects this client, where the coordinator
 * counts it (every attempt of a round trains from the same global model), waiting up to NEXT_ATTEMPT_WAIT_MS for the
 * coordinator to announce one. A try that fails in transport (a dropped connection) is retried with backoff while the
 * attempt is open (nextUploadStep), each retry logged, to the newest open attempt; every try after a failed one goes
 * on a fresh connection. A pinned update (LateSubmission.pinned) goes to `trained` or nowhere.
 * @returns the ack, or undefined when no attempt takes the update.
 * @throws the gRPC error of a refusal no retry or later attempt changes, or of the last try when tries ran out.
 */
export async function submitToOpenAttempt(
  o: LateSubmission,
  update: UpdateToSubmit,
  trained: RoundAnnouncement,
): Promise<UpdateAck | undefined> {
  let tries = 0; // of the current target attempt
  let attempt = trained.attempt;
  let failedBefore = false; // a try after a failed one goes on a fresh connection
  while (!o.isClosed()) {
    const target = o.attempts.current(trained);
    if (!target || !target.selectedClientIds.includes(o.clientId)) return undefined;
    if (o.pinned && target.attempt !== trained.attempt) return undefined;
    if (target.attempt !== attempt) {
      o.log.info({ trainedFor: trained.attempt, attempt: target.attempt }, 'submitting to the newer attempt');
      [attempt, tries] = [target.attempt, 0];
    }
    if (target.deadlineUnixMs === 0 || Date.now() < target.deadlineUnixMs) {
      try {
        const ack = await o.submit({ ...update, attempt: target.attempt }, callDeadline(target), failedBefore);
        if (!o.pinned) o.attempts.markDelivered(target); // queued attempts of this round would train again for nothing
        return ack;
      } catch (err) {
        if (!isServiceError(err)) throw err;
        failedBefore = true;
        const step = nextUploadStep(err.code, ++tries, target.deadlineUnixMs, Date.now(), o.retry);
        if (step.kind === 'give-up') throw err;
        if (step.kind === 'retry') {
          const failed = { attempt: target.attempt, try: tries, code: status[err.code], details: err.details };
          o.log.warn({ ...failed, retryInMs: step.delayMs }, 'upload failed; retrying on a fresh connection');
          o.onRetry?.(err.code);
          await sleep(step.delayMs);
          continue;
        }
      }
    }
    if (o.pinned || !(await o.attempts.newer(target, NEXT_ATTEMPT_WAIT_MS))) return undefined;
  }
  return undefined;
}
