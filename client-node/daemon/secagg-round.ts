import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { secureRandomBytes } from '../../shared/privacy/index.js';
import { SECAGG_UPDATE_CODEC, type RoundAnnouncement, type WireSecureAggregation } from '../../shared/proto/index.js';
import { playSecAggSession, SecAggSession, type SecAggOutcome } from '../secagg/index.js';
import type { LocalFitResult } from '../training/index.js';
import {
  fetchForRound,
  roundFailed,
  trainFetched,
  uploadPath,
  type FitRound,
  type TrainedRound,
} from './fit-training.js';
import { submitToOpenAttempt } from './late-submission.js';
import { deltaForAttempt, secAggRetryKey } from './secagg-retry.js';
import { secAggDelta, secAggExamples } from './secagg-update.js';

/**
 * How long the SecureAggregation stream may outlive the attempt's deadline (ms): the masked-input stage ends at that
 * deadline, then come the unmask stage (its timeout, 30 s by default) and the unmasking. A backstop only: the
 * coordinator ends the stream, and a newer announcement cancels it.
 */
const SECAGG_STREAM_GRACE_MS = 120_000;

/**
 * How long the SecureAggregation stream of an attempt with no deadline (deadlineUnixMs 0) may last (ms): one hour,
 * ample for key stages, a local training and the unmasking, so that a coordinator that never ends the stream does
 * not hold the site's session (and its training turn) for ever.
 */
export const SECAGG_STREAM_UNBOUNDED_MS = 3_600_000;

/**
 * The gRPC deadline of attempt `a`'s SecureAggregation stream (ms since epoch): the attempt's deadline plus
 * SECAGG_STREAM_GRACE_MS, or `nowMs` + SECAGG_STREAM_UNBOUNDED_MS for an attempt with no deadline.
 */
export function secAggStreamDeadline(a: Pick<RoundAnnouncement, 'deadlineUnixMs'>, nowMs: number): number {
  return a.deadlineUnixMs > 0 ? a.deadlineUnixMs + SECAGG_STREAM_GRACE_MS : nowMs + SECAGG_STREAM_UNBOUNDED_MS;
}

/**
 * A SecAgg+ attempt's local work, in the site's training turn (playSecAggAttempt).
 * @param usable whether the work can still be used (the stream has not moved, no newer attempt, the deadline not
 *   passed, the daemon open): checked between fetching and training.
 * @returns the trained round, or undefined when it stopped because `usable` turned false.
 */
export type SecAggTraining = (usable: () => boolean) => Promise<TrainedRound | undefined>;

/**
 * A SecAgg+ attempt the site is selected for (FitConfig.secure_aggregation), with the daemon's local work: the
 * global model fetched (fetchForRound) and, while the session can still use it, trained on (trainFetched).
 * @see playSecAggAttempt
 */
export function playSecAggRound(s: FitRound, a: RoundAnnouncement, wire: WireSecureAggregation): Promise<void> {
  return playSecAggAttempt(s, a, wire, async (usable) => {
    const fetched = await fetchForRound(s, a);
    return usable() ? trainFetched(s, a, fetched) : undefined;
  });
}

/**
 * A SecAgg+ attempt: a fresh session over the SecureAggregation stream — keys, shares, then, on the masked-input
 * request, `train` (in its turn among the daemon's rounds: FitRound.exclusive; skipped when the work can no longer be
 * used: the stream moved, a newer attempt was announced, the attempt's deadline passed, the daemon closed), the
 * masked delta (secAggDelta weighed by secAggExamples) uploaded with SubmitUpdate to this attempt only, and the
 * unmask reply. Until that reply, a newer announcement of the run (another attempt or round, the run's end) or the
 * daemon closing cancels the stream; after it the site's update is in the sum, so the session waits for `done`.
 * Logged and counted; nothing is thrown: a coordinator message that breaks the protocol makes the site leave the
 * attempt (logged), and a failed fetch, training or upload — or a session that cannot start — goes to `onError`.
 */
export async function playSecAggAttempt(
  s: FitRound,
  a: RoundAnnouncement,
  wire: WireSecureAggregation,
  train: SecAggTraining,
): Promise<void> {
  const { runId, round, attempt, selectedClientIds } = a;
  let fit: LocalFitResult | undefined;
  let superseded = false;
  let stopWatching = () => {};
  try {
    const session = new SecAggSession({
      clientId: s.clientId,
      attempt: { runId, round, attempt, selectedClientIds, secureAggregation: wire },
    });
    const call = s.link.secureAggregation(secAggStreamDeadline(a, Date.now()));
    // The session learns of the stream's errors by reading; one after its last read (its own cancel) is not unhandled.
    call.on('error', () => {});
    stopWatching = s.attempts.watchNewer(a, (newer) => {
      superseded = newer;
      call.cancel();
    });
    const outcome = await playSecAggSession(session, call, {
      // δ is taken inside the turn: the global model's buffer is the next round's download target (modelBuffer).
      train: (gone) =>
        s.exclusive(async () => {
          const usable = () => !gone.aborted && !superseded && !s.isClosed() && !deadlinePassed(a, Date.now());
          if (!usable()) return undefined;
          const key = secAggRetryKey(a, session.clipping, session.maxWeight);
          const { delta, reused } = await deltaForAttempt(s.secAggMemo, key, async () => {
            const trained = await train(usable);
            if (!trained) return undefined;
            const { localPrivacy } = a.fit;
            const { clippingNorm } = session.clipping;
            const { sent, global } = trained;
            return {
              fit: trained.fit,
              update: secAggDelta(sent.values, global.values, { localPrivacy, clippingNorm }, secureRandomBytes),
              numExamples: secAggExamples(trained.fit, session.clipping, session.maxWeight),
            };
          });
          if (reused) s.log.info({ attempt }, 'SecAgg+ retry of this round on the same model: its delta is sent again');
          fit = delta?.fit;
          return delta;
        }),
      upload: async (payload) => {
        const { numExamples, metrics, weights } = fit!;
        const update = { runId, round, clientId: s.clientId, numExamples, metrics, specs: weights.specs, payload };
        return (
          (await submitToOpenAttempt(uploadPath(s, true), { ...update, codec: { ...SECAGG_UPDATE_CODEC } }, a)) !==
          undefined
        );
      },
      unmasking: () => stopWatching(),
    });
    reportOutcome(s, outcome, superseded, fit);
  } catch (err) {
    roundFailed(s, err, fit);
  } finally {
    stopWatching();
  }
}

const deadlinePassed = (a: RoundAnnouncement, nowMs: number): boolean =>
  a.deadlineUnixMs > 0 && nowMs >= a.deadlineUnixMs;

/** Logs how a session ended and counts the round: submitted when the sum holding its update was unmasked. */
function reportOutcome(s: FitRound, outcome: SecAggOutcome, superseded: boolean, fit?: LocalFitResult): void {
  const { log } = s;
  if (s.isClosed()) return void log.debug({ outcome: outcome.kind }, 'SecAgg+ session abandoned: the daemon closed');
  if (outcome.kind === 'done') {
    const { survivors, dropped } = outcome;
    const m = fit?.metrics ?? {};
    log.info({ survivors, dropped, trainLoss: m[CLIENT_METRICS.trainLoss] }, 'SecAgg+ sum unmasked with this update');
    s.metrics?.onRound('submitted', fit?.metrics);
    return;
  }
  const { reason } = outcome;
  if (superseded) log.info({ reason }, 'SecAgg+ session abandoned: a newer attempt or round was announced');
  else if (outcome.kind === 'aborted') log.info({ reason }, 'SecAgg+ attempt failed at the coordinator');
  else if (outcome.kind === 'refused') log.warn({ reason }, 'the coordinator refused a SecAgg+ message of this site');
  else if (outcome.kind === 'left') log.warn({ reason }, 'left the SecAgg+ attempt');
  else log.warn({ reason }, 'SecAgg+ stream ended before the sum was unmasked');
  if (!superseded || fit) s.metrics?.onRound('failed', fit?.metrics);
}
