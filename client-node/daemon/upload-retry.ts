import { status } from '@grpc/grpc-js';
import { backoffDelay } from '../rounds/index.js';

/**
 * Failures of an upload's transport, which another try on a fresh connection may get past: the connection dropped or
 * was refused (UNAVAILABLE), the stream was reset under the call (CANCELLED, INTERNAL), or the call outlived its own
 * deadline (DEADLINE_EXCEEDED). The coordinator counts an update once however often it arrives (it de-duplicates by
 * client, round and SHA-256), so a try whose ack was lost is safe to repeat. Refusals of the update itself
 * (INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS, RESOURCE_EXHAUSTED, ABORTED…) would be refused again.
 */
const TRANSPORT_FAILURES: ReadonlySet<status> = new Set([
  status.UNAVAILABLE,
  status.CANCELLED,
  status.INTERNAL,
  status.DEADLINE_EXCEEDED,
]);

/** The attempt closed before the update got in (FAILED_PRECONDITION): a later attempt of the round may still take it. */
const ATTEMPT_CLOSED: ReadonlySet<status> = new Set([status.FAILED_PRECONDITION]);

/**
 * Tries of one update to one attempt at most, the first included. The attempt's deadline bounds them as well; this
 * bounds an attempt without one. @default 10 (with the default backoff, 250 ms doubling to 5 s: about 30 s of retries)
 */
export const MAX_UPLOAD_TRIES = 10;

/** How a daemon spaces the retries of a failed upload. */
export interface UploadRetryPolicy {
  /** Backoff before the first retry (ms); it doubles with each retry up to maxMs. */
  initialMs: number;
  maxMs: number;
  /** Uniform numbers in [0, 1) for the jitter (seeded in tests, crypto-random in the daemon). */
  random: () => number;
}

/** What to do after a try of an upload failed. */
export type UploadStep =
  /** Try the same update again after `delayMs`, on a fresh connection (newest open attempt of the round). */
  | { kind: 'retry'; delayMs: number }
  /** The attempt closed (or will have before a retry could start): wait for a later attempt of the round. */
  | { kind: 'next-attempt' }
  /** A refusal no retry changes, or tries used up: the round is not completed. */
  | { kind: 'give-up' };

/**
 * The step after try number `tries` (1-based) of an upload to an attempt failed with gRPC status `code`. A transport
 * failure is retried after an exponential backoff with equal jitter — half of min(maxMs, initialMs·2^(tries−1)) plus a
 * uniform share of the other half, so sites cut off at once do not come back at once — unless the retry would start
 * at or after the attempt's deadline (then next-attempt) or `tries` reached MAX_UPLOAD_TRIES (give-up).
 * @param deadlineUnixMs the attempt's deadline (ms since epoch; 0 = none). @param nowMs the current time (ms since epoch).
 */
export function nextUploadStep(
  code: status,
  tries: number,
  deadlineUnixMs: number,
  nowMs: number,
  policy: UploadRetryPolicy,
): UploadStep {
  if (ATTEMPT_CLOSED.has(code)) return { kind: 'next-attempt' };
  if (!TRANSPORT_FAILURES.has(code)) return { kind: 'give-up' };
  const capped = backoffDelay(tries - 1, policy.initialMs, policy.maxMs);
  const delayMs = Math.round(capped / 2 + (policy.random() * capped) / 2);
  if (deadlineUnixMs > 0 && nowMs + delayMs >= deadlineUnixMs) return { kind: 'next-attempt' };
  return tries >= MAX_UPLOAD_TRIES ? { kind: 'give-up' } : { kind: 'retry', delayMs };
}
