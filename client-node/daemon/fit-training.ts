import { status } from '@grpc/grpc-js';
import { float32ToBytes, type ModelWeights } from '../../shared/codec/index.js';
import type { ClientConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { poisonUpdate } from '../attacks/index.js';
import type { CoordinatorLink, GlobalModels } from '../link/index.js';
import type { ClientMetrics } from '../metrics/index.js';
import type { LocalFitResult, LocalTrainer } from '../training/index.js';
import type { SecAggRetryMemo } from './secagg-retry.js';
import type { AttemptTracker } from './attempt-tracker.js';
import { refusalReason } from './join-refusals.js';
import { callDeadline, type LateSubmission } from './late-submission.js';
import { evaluationReport, trainLocalRound } from './local-round.js';
import type { SiteReporting } from './round-weighting.js';
import type { RunContexts } from './run-context.js';
import type { Slowdown } from './slowdown.js';
import type { UpdateEncoder } from './update-encoder.js';
import type { UploadRetryPolicy } from './upload-retry.js';

/**
 * What a fit round works with: the daemon's collaborators, its identity and link settings as its last Join set them,
 * its per-daemon state (attempts, encoder, the model buffer) and its round's logger.
 */
export interface FitRound {
  config: Pick<ClientConfig, 'attack'>;
  link: CoordinatorLink;
  models: GlobalModels;
  runs: RunContexts;
  metrics?: ClientMetrics;
  reporting: SiteReporting;
  clientId: string;
  /** Largest upload chunk the coordinator takes (its JoinResponse). */
  maxChunkBytes: number;
  attempts: AttemptTracker;
  encoder: UpdateEncoder;
  slowdown: Slowdown;
  uploadRetry: UploadRetryPolicy;
  /**
   * The last fetched global model's bytes, which the next fetch downloads into (no model-sized allocation per round);
   * the round puts its model's there. Rounds play one at a time.
   */
  modelBuffer: { bytes?: Uint8Array };
  /** The delta of the last SecAgg+ attempt, for a retry of the same round (SecAggRetryMemo). */
  secAggMemo: { last?: SecAggRetryMemo };
  /**
   * Runs `work` after the daemon's queued rounds, one at a time (a SecAgg+ attempt plays outside the queue until it
   * trains). Only for work that does not already run in the queue: queued work calling it would wait for itself.
   */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** True once the daemon closes: the round is abandoned. */
  isClosed: () => boolean;
  /** Called with a failed round's error: stops the daemon when another daemon speaks for its site. */
  onError: (err: unknown) => void;
  log: Logger;
}

/**
 * Whether the site plays attempt `a` at all: not when a newer attempt superseded it (or an earlier update answered
 * its round), nor when its deadline passed before the site could start it (counted as a failed round). Logged.
 */
export function worthPlaying(s: FitRound, a: RoundAnnouncement): boolean {
  if (s.attempts.isSuperseded(a)) {
    s.log.debug(
      { attempt: a.attempt },
      'attempt superseded (a newer one was announced, or an earlier update answered it)',
    );
    return false;
  }
  if (a.deadlineUnixMs > 0 && Date.now() >= a.deadlineUnixMs) {
    s.log.warn(
      { attempt: a.attempt, deadlineUnixMs: a.deadlineUnixMs },
      'skipping round: its deadline passed before this client could start it',
    );
    s.metrics?.onRound('failed');
    return false;
  }
  return true;
}

/** A round's local training: what was trained, what the site sends (poisoned under `--attack`), from which model. */
export interface TrainedRound {
  fit: LocalFitResult;
  /** The weights the site sends: the trained ones, or their poisoned copy (a fault injection). */
  sent: ModelWeights;
  /** The round's global model as the site decoded it. */
  global: ModelWeights;
}

/** A round's trainer and global model, as fetched (fetchForRound). */
export interface FetchedRound {
  trainer: LocalTrainer;
  /** The round's global model as the site decoded it. */
  global: ModelWeights;
}

/**
 * The local work of attempt `a`: its model fetched (fetchForRound), then trained on (trainFetched).
 * @throws what fetchForRound and trainFetched throw.
 */
export async function trainForRound(s: FitRound, a: RoundAnnouncement): Promise<TrainedRound> {
  return trainFetched(s, a, await fetchForRound(s, a));
}

/**
 * What attempt `a` trains from: the run's spec and trainer (RunContexts) and the global model, checked against the
 * announced hash and downloaded into `s.modelBuffer`.
 * @throws the gRPC error of a fetch; {Error} when the model's hash differs from the announced one.
 */
export async function fetchForRound(s: FitRound, a: RoundAnnouncement): Promise<FetchedRound> {
  const { link, runs } = s;
  const trainer = await runs.trainer(a, () => link.fetchRunSpec(a.runId, s.clientId, callDeadline(a)));
  const { weights: global, sha256 } = await s.models.fetch(a, s.clientId, callDeadline(a), s.modelBuffer.bytes);
  s.modelBuffer.bytes = float32ToBytes(global.values); // rounds play one at a time: the next one downloads into it
  if (a.modelSha256 && sha256 !== a.modelSha256)
    throw new Error(`fetched model hash ${sha256} differs from the announced ${a.modelSha256}`);
  return { trainer, global };
}

/**
 * Local training of attempt `a` on its fetched model: an evaluation when asked, weighting and local training
 * (trainLocalRound, slowed by `--slowdown`), and the update poisoned under `--attack`.
 * @throws what training throws.
 */
export async function trainFetched(s: FitRound, a: RoundAnnouncement, fetched: FetchedRound): Promise<TrainedRound> {
  const { trainer, global } = fetched;
  if (a.evaluateClientIds.includes(s.clientId))
    await s.link
      .reportEvaluation(evaluationReport(trainer, a, s.clientId, global))
      .catch((err: Error) => s.log.debug({ err: err.message }, 'evaluation report refused'));
  const fit = await trainLocalRound(trainer, a, global, s.reporting, s.slowdown);
  const attack = s.config.attack;
  const sent = attack
    ? { specs: fit.weights.specs, values: poisonUpdate(global.values, fit.weights.values, attack) }
    : fit.weights;
  return { fit, sent, global };
}

/**
 * A round that failed with `err`: logged and counted (a site that trained and failed to upload still trained, so
 * `fit`'s metrics count), then handed to `onError`; abandoned quietly when the daemon closed.
 */
export function roundFailed(s: FitRound, err: unknown, fit: LocalFitResult | undefined): void {
  if (s.isClosed()) return void s.log.debug({ reason: refusalReason(err) }, 'round abandoned: the daemon closed');
  s.log.warn({ reason: refusalReason(err) }, 'round not completed');
  s.metrics?.onRound('failed', fit?.metrics);
  s.onError(err);
}

/**
 * How a round's update is uploaded (submitToOpenAttempt): the link's SubmitUpdate with the coordinator's chunk size,
 * the daemon's retry policy, retries counted in the metrics.
 * @param pinned the update goes to its own attempt or nowhere (LateSubmission.pinned: a SecAgg+ masked vector).
 */
export function uploadPath(s: FitRound, pinned = false): LateSubmission {
  return {
    attempts: s.attempts,
    clientId: s.clientId,
    isClosed: s.isClosed,
    submit: (u, deadlineUnixMs, fresh) =>
      s.link.submitUpdate(u, s.maxChunkBytes, deadlineUnixMs, { freshConnection: fresh }),
    retry: s.uploadRetry,
    onRetry: (code) => s.metrics?.onUploadRetry(status[code]),
    pinned,
    log: s.log,
  };
}
