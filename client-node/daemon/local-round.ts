import type { ModelWeights } from '../../shared/codec/index.js';
import { CLIENT_METRICS, EVALUATION_METRICS } from '../../shared/contract/index.js';
import type { EvaluationReport, RoundAnnouncement } from '../../shared/proto/index.js';
import type { LocalFitResult, LocalTrainer } from '../training/index.js';
import { weightRound, type SiteReporting } from './round-weighting.js';
import { slowdownWaitMs, type Slowdown } from './slowdown.js';

/**
 * One selected client's local work for a round, after it has the global model: the run's per-sample weighting
 * ({@link weightRound}, scored with `global` before training), then local training from `global` with the announced
 * fit config. Shared by the daemon and the in-process simulation so both take the same code path. A client slowed on
 * purpose (`slowdown.factor` F > 1) then waits (F − 1) times the measured wall time of that weighting and training.
 * @returns the trained weights (the model's specs, a fresh buffer the caller owns), the sample count, and the training
 *          metrics merged with the weighting statistics (effective_examples, weighting_ms, … when weighting ran) and,
 *          for a slowed client, slowdown_ms (the wait).
 * @throws {ConfigError} when the announced weighting config is invalid; {InvalidUpdateError} when `global` does not
 *         match the model; whatever `slowdown.sleep` throws when the wait is cut short.
 */
export async function trainLocalRound(
  trainer: LocalTrainer,
  a: RoundAnnouncement,
  global: ModelWeights,
  site: SiteReporting = {},
  slowdown?: Slowdown,
): Promise<LocalFitResult> {
  const slowed = slowdown && slowdown.factor > 1 ? slowdown : undefined;
  const started = slowed?.now();
  const weighting = weightRound(trainer, a, global, site);
  const fit = await trainer.train(global, a.fit, a.round, weighting?.options);
  const metrics = { ...fit.metrics, ...weighting?.stats };
  if (slowed && started !== undefined) {
    const waitMs = slowdownWaitMs(slowed.factor, Math.max(0, slowed.now() - started));
    const waitStarted = slowed.now();
    await slowed.sleep(waitMs);
    metrics[CLIENT_METRICS.slowdownMs] = slowed.now() - waitStarted;
  }
  return { ...fit, metrics };
}

/**
 * A selected evaluator's report of a round's global model on the site's data (ReportEvaluation): loss (mean softmax
 * cross-entropy, nats) and accuracy over every local example. Shared by the daemon and the in-process simulation.
 */
export function evaluationReport(
  trainer: LocalTrainer,
  a: RoundAnnouncement,
  clientId: string,
  global: ModelWeights,
): EvaluationReport {
  const { numExamples, loss, accuracy } = trainer.evaluate(global);
  const metrics = { [EVALUATION_METRICS.accuracy]: accuracy };
  return { runId: a.runId, round: a.round, clientId, numExamples, loss, metrics };
}
