import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { refusalReason } from '../../client-node/daemon/index.js';
import type { RelayRound, SubFleetResult } from './relay-round.js';
import type { Upstream } from './upstream.js';

/**
 * Forwards what the sub-fleet gathered for upstream attempt `a` (`result`: what a closed local attempt folded, or
 * what the upstream took before it restarted): first the sub-fleet's evaluation (when the
 * upstream asked the aggregator for one and a client reported; before the update, whose arrival may close the
 * upstream attempt), then one update: the weighted mean of the folded client updates as float32 weights (codec
 * none), Σ nₖ examples, the clients' mean metrics, and what it stands for (UpdateHeader.sub_fleet). Nothing is
 * forwarded when no client's update was folded: the upstream counts the aggregator as a straggler at its deadline.
 * Once the upstream took it, `round.sent` keeps it. Never throws: a refusal, a lost upstream, a mean that could not
 * be made (AggregationError from `result`) are logged.
 */
export async function forwardSubFleet(
  upstream: Upstream,
  round: RelayRound,
  result: () => SubFleetResult,
  a: RoundAnnouncement,
  logger: Logger,
): Promise<void> {
  const log = logger.child({ run: a.runId, round: a.round, attempt: a.attempt });
  try {
    const taken = result();
    const { update, evaluation } = taken;
    const ids = { runId: a.runId, round: a.round, clientId: upstream.clientId };
    if (evaluation && a.evaluateClientIds.includes(upstream.clientId)) {
      await upstream.link
        .reportEvaluation({ ...ids, ...evaluation })
        .catch((err: unknown) => log.warn({ reason: refusalReason(err) }, 'sub-fleet evaluation not forwarded'));
    }
    if (!update) {
      log.warn('no client update folded: nothing to forward this attempt');
      return;
    }
    const { weights, numExamples, metrics, subFleet } = update;
    const ack = await upstream.submit({ ...ids, numExamples, metrics, attempt: a.attempt, subFleet, weights }, a);
    if (!ack) {
      log.warn('the upstream round closed before the sub-fleet update got in');
      return;
    }
    round.sent = taken;
    log.info(
      { clients: subFleet.clients, failed: subFleet.failed, examples: numExamples },
      'sub-fleet update forwarded',
    );
  } catch (err) {
    log.warn({ reason: refusalReason(err) }, 'sub-fleet update not forwarded');
  }
}
