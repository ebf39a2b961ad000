import { CLIENT_METRICS } from '../../shared/contract/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { LocalFitResult } from '../training/index.js';
import { roundFailed, trainForRound, uploadPath, worthPlaying, type FitRound } from './fit-training.js';
import { submitToOpenAttempt } from './late-submission.js';
import { playSecAggRound } from './secagg-round.js';

/**
 * A round the site is selected for (phase FIT): skipped unless worthPlaying; a SecAgg+ attempt
 * (FitConfig.secure_aggregation) is played as a SecAgg+ session (playSecAggRound); else the local work
 * (trainForRound), the update encoded with the round's codec and submitted to an open attempt of the round
 * (submitToOpenAttempt). Every outcome is logged and counted in the metrics; nothing is thrown: a failed round goes
 * to `onError`.
 */
export async function playFitRound(s: FitRound, a: RoundAnnouncement): Promise<void> {
  if (!worthPlaying(s, a)) return;
  if (a.fit.secureAggregation) return playSecAggRound(s, a, a.fit.secureAggregation);
  const { log } = s;
  let fit: LocalFitResult | undefined;
  try {
    const trained = await trainForRound(s, a);
    fit = trained.fit;
    const { sent, global } = trained;
    const encoded = s.encoder.encode(a, sent, global);
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
    const ack = await submitToOpenAttempt(uploadPath(s, !!a.dispatch), update, a); // a dispatch: its batch alone
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
    roundFailed(s, err, fit);
  }
}
