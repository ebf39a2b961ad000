import { status } from '@grpc/grpc-js';
import { float32ToBytes } from '../../shared/codec/index.js';
import type { ClientConfig } from '../../shared/config/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { poisonUpdate } from '../attacks/index.js';
import type { CoordinatorLink, GlobalModels } from '../link/index.js';
import type { ClientMetrics } from '../metrics/index.js';
import type { LocalFitResult } from '../training/index.js';
import type { AttemptTracker } from './attempt-tracker.js';
import { refusalReason } from './join-refusals.js';
import { callDeadline, submitToOpenAttempt } from './late-submission.js';
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
  /** True once the daemon closes: the round is abandoned. */
  isClosed: () => boolean;
  /** Called with a failed round's error: stops the daemon when another daemon speaks for its site. */
  onError: (err: unknown) => void;
  log: Logger;
}

/**
 * A round the site is selected for (phase FIT): skipped when a newer attempt superseded it or its deadline passed;
 * else the run's spec and trainer (RunContexts), the global model (checked against the announced hash), an
 * evaluation when asked, weighting and local training (trainLocalRound, slowed by `--slowdown`), the update (poisoned
 * under `--attack`, a fault injection) encoded with the round's codec and submitted to an open attempt of the round
 * (submitToOpenAttempt). Every outcome is logged and counted in the metrics; nothing is thrown: a failed round
 * goes to `onError`.
 */
export async function playFitRound(s: FitRound, a: RoundAnnouncement): Promise<void> {
  const { log } = s;
  if (s.attempts.isSuperseded(a)) {
    log.debug(
      { attempt: a.attempt },
      'attempt superseded (a newer one was announced, or an earlier update answered it)',
    );
    return;
  }
  if (a.deadlineUnixMs > 0 && Date.now() >= a.deadlineUnixMs) {
    log.warn(
      { attempt: a.attempt, deadlineUnixMs: a.deadlineUnixMs },
      'skipping round: its deadline passed before this client could start it',
    );
    s.metrics?.onRound('failed');
    return;
  }
  let fit: LocalFitResult | undefined;
  try {
    const { link, runs } = s;
    const trainer = await runs.trainer(a, () => link.fetchRunSpec(a.runId, s.clientId, callDeadline(a)));
    const { weights, sha256 } = await s.models.fetch(a, s.clientId, callDeadline(a), s.modelBuffer.bytes);
    s.modelBuffer.bytes = float32ToBytes(weights.values); // rounds play one at a time: the next one downloads into it
    if (a.modelSha256 && sha256 !== a.modelSha256)
      throw new Error(`fetched model hash ${sha256} differs from the announced ${a.modelSha256}`);
    if (a.evaluateClientIds.includes(s.clientId))
      await link
        .reportEvaluation(evaluationReport(trainer, a, s.clientId, weights))
        .catch((err: Error) => log.debug({ err: err.message }, 'evaluation report refused'));
    fit = await trainLocalRound(trainer, a, weights, s.reporting, s.slowdown);
    const attack = s.config.attack;
    const sent = attack
      ? { specs: fit.weights.specs, values: poisonUpdate(weights.values, fit.weights.values, attack) }
      : fit.weights;
    const encoded = s.encoder.encode(a, sent, weights);
    const update = {
      runId: a.runId,
      round: a.round,
      clientId: s.clientId,
      numExamples: fit.numExamples,
      metrics: fit.metrics,
      specs: sent.specs,
      payload: encoded.payload,
      encodeTo: encoded.encodeTo,
      codec: encoded.codec,
    };
    const ack = await submitToOpenAttempt(
      {
        attempts: s.attempts,
        clientId: s.clientId,
        isClosed: s.isClosed,
        submit: (u, deadlineUnixMs, fresh) =>
          link.submitUpdate(u, s.maxChunkBytes, deadlineUnixMs, { freshConnection: fresh }),
        retry: s.uploadRetry,
        onRetry: (code) => s.metrics?.onUploadRetry(status[code]),
        log,
      },
      update,
      a,
    );
    if (!ack) {
      log.warn({ attempt: a.attempt }, 'trained past the round: no open attempt of it selects this client any more');
      s.metrics?.onRound('failed', fit.metrics);
      return;
    }
    encoded.delivered();
    const m = fit.metrics;
    log.info({ trainLoss: m[CLIENT_METRICS.trainLoss], trainMs: Math.round(m[CLIENT_METRICS.trainMs]!) }, ack.message);
    s.metrics?.onRound('submitted', fit.metrics);
  } catch (err) {
    if (s.isClosed()) return void log.debug({ reason: refusalReason(err) }, 'round abandoned: the daemon closed');
    log.warn({ reason: refusalReason(err) }, 'round not completed');
    s.metrics?.onRound('failed', fit?.metrics); // a site that trained and failed to upload still trained
    s.onError(err);
  }
}
