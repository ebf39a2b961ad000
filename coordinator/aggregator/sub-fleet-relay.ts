import type { ModelWeights } from '../../shared/codec/index.js';
import type { AggregatorConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { codecFromWire, type RoundAnnouncement, type RunSpec } from '../../shared/proto/index.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../../shared/random/index.js';
import type { StreamBroadcaster } from '../broadcast/index.js';
import type { ClientRegistry } from '../clients/index.js';
import { closeFailingLostClients, encodeModel, type EncodedModel } from '../rounds/index.js';
import { RelayRound } from './relay-round.js';
import { RelayRun, type RelayRuns } from './relay-runs.js';
import { forwardSubFleet } from './forward.js';
import { relayedAnnouncement, subFleetShape } from './relayed-announcement.js';
import type { Upstream } from './upstream.js';
import { attemptKey } from '../../client-node/daemon/index.js';

/** What the relay works with: the aggregator's clients, its announcements to them, its runs, its upstream. */
export interface SubFleetRelayDeps {
  config: Pick<AggregatorConfig, 'clientsPerRound' | 'forwardShare'>;
  /** The aggregator's coordinator id, which its own announcements carry. */
  aggregatorId: string;
  clients: ClientRegistry;
  broadcaster: StreamBroadcaster;
  runs: RelayRuns;
  upstream: Upstream;
  logger: Logger;
}

/**
 * The aggregator's round engine. For each upstream attempt that selects the aggregator: fetches the run's spec (when
 * new) and the round's global model (once per round), selects live clients of its own whose data fits the run (and
 * that have not delivered this round), announces the attempt to them (relayedAnnouncement: the upstream's fit config,
 * its own deadline a forwardShare earlier), waits until they answered, dropped out or the deadline passed, and
 * forwards one update (forwardSubFleet). A new upstream round aborts the local attempt of the one before; a run's end
 * is relayed to the clients. Announcements of one run are played one at a time, in order.
 */
export class SubFleetRelay {
  private readonly queues = new Map<string, Promise<void>>();
  /** The upstream attempts relayed (attemptKey), so a replayed announcement (a reconnected stream) is not relayed twice. */
  private readonly seen = new Set<string>();

  constructor(private readonly d: SubFleetRelayDeps) {}

  /** An announcement of the upstream (its own, classified by Upstream). Never throws: failures are logged. */
  hear(a: RoundAnnouncement): void {
    const run = this.d.runs.find(a.runId);
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      run?.round?.open?.close('aborted');
      this.d.runs.remove(a.runId);
      for (const key of this.seen) if (key.startsWith(`${a.runId}/`)) this.seen.delete(key);
      this.enqueue(a, () => this.d.broadcaster.announce(this.relayed(a, [], null)));
      return;
    }
    if (a.phase === 'ROUND_PHASE_STATISTICS' && a.selectedClientIds.includes(this.d.upstream.clientId)) {
      this.d.logger.warn({ run: a.runId }, 'a feature statistics round is not relayed: the run should refuse it');
      return;
    }
    if (a.phase !== 'ROUND_PHASE_FIT' || a.dispatch || !a.selectedClientIds.includes(this.d.upstream.clientId)) return;
    if (this.seen.has(attemptKey(a))) return;
    this.seen.add(attemptKey(a));
    if (run?.round && run.round.round !== a.round) run.round.open?.close('aborted'); // the upstream moved on
    this.enqueue(a, () => this.play(a));
  }

  /** Closes every open local attempt (aborted). */
  close(): void {
    for (const run of this.d.runs.list()) run.round?.open?.close('aborted');
  }

  private enqueue(a: RoundAnnouncement, work: () => Promise<void>): void {
    const log = this.d.logger.child({ run: a.runId, round: a.round, attempt: a.attempt });
    const next = (this.queues.get(a.runId) ?? Promise.resolve())
      .then(work)
      .catch((err: Error) => log.error({ reason: err.message }, 'relayed round failed'));
    this.queues.set(a.runId, next);
  }

  private async play(a: RoundAnnouncement): Promise<void> {
    const { upstream, logger } = this.d;
    if (upstream.attempts.isSuperseded(a)) return;
    const run = await this.runFor(a);
    const round = run.round?.round === a.round ? run.round : await this.newRound(run, a);
    const sent = round.sent;
    if (sent) return forwardSubFleet(upstream, round, () => sent, a, logger); // a restarted upstream asks again
    const selected = this.select(run.spec, round, a);
    const deadline = this.localDeadline(a);
    const open = round.openAttempt(a, selected, deadline);
    run.lastAttempt = open;
    await this.d.broadcaster.announce(this.relayed(a, selected, round.model, deadline));
    logger.info({ run: a.runId, round: a.round, attempt: a.attempt, clients: selected.length }, 'round relayed');
    const closed = await closeFailingLostClients(open, this.d.clients, { now: () => Date.now() });
    if (closed === 'aborted' || closed === 'stopped') return;
    await forwardSubFleet(upstream, round, () => round.result(open), a, logger);
  }

  /** The run of `a`, its spec fetched from the upstream when the run is new or its spec changed. */
  private async runFor(a: RoundAnnouncement): Promise<RelayRun> {
    const { runs, upstream } = this.d;
    let run = runs.find(a.runId);
    if (!run || run.spec.sha256 !== a.runSpecSha256) {
      const spec: RunSpec = await upstream.link.fetchRunSpec(a.runId, upstream.clientId, a.deadlineUnixMs || undefined);
      if (run) run.spec = spec;
      else runs.add((run = new RelayRun(a.runId, spec, a)));
    }
    run.announced = a;
    return run;
  }

  /** The round of `a` with its global model, fetched once from the upstream and checked against the announcement. */
  private async newRound(run: RelayRun, a: RoundAnnouncement): Promise<RelayRound> {
    const { upstream } = this.d;
    const { weights } = await upstream.link.fetchModel(
      a.runId,
      a.round,
      upstream.clientId,
      a.deadlineUnixMs || undefined,
    );
    const codec = codecFromWire(a.fit.updateCodec);
    if (typeof codec === 'string') throw new Error(`the upstream announced an invalid update codec: ${codec}`);
    const fold = a.fit.subFleet ?? { effectiveExamples: false, maxUpdateNorm: 0 };
    const deps = {
      declaredExamples: (id: string) => this.d.clients.get(id).capabilities.numExamples,
      logger: this.d.logger,
    };
    run.round = new RelayRound(a.runId, a.round, modelAsAnnounced(a, weights), weights, fold, codec, deps);
    return run.round;
  }

  /** Live clients whose data fits the run and that have not delivered this round; a seeded sample of clientsPerRound. */
  private select(spec: RunSpec, round: RelayRound, a: RoundAnnouncement): string[] {
    const delivered = round.delivered;
    const live = this.d.clients.live(Date.now(), subFleetShape(spec)).filter((id) => !delivered.has(id));
    const k = this.d.config.clientsPerRound;
    if (k === null || k >= live.length) return live;
    return sampleWithoutReplacement(createRng(deriveSeed(0, a.runId, a.round, a.attempt)), live, k);
  }

  /** The local attempt's deadline: forwardShare of the time left before the upstream's (≥ 1 s); null with none. */
  private localDeadline(a: RoundAnnouncement): number | null {
    if (a.deadlineUnixMs === 0) return null;
    const now = Date.now();
    const margin = Math.max(1_000, (a.deadlineUnixMs - now) * this.d.config.forwardShare);
    return Math.max(now, Math.round(a.deadlineUnixMs - margin));
  }

  private relayed(a: RoundAnnouncement, selected: string[], model: EncodedModel | null, deadline?: number | null) {
    const { aggregatorId, upstream } = this.d;
    return relayedAnnouncement(
      a,
      { aggregatorId, federationId: upstream.federationId, upstreamId: upstream.clientId },
      {
        selected,
        modelSha256: model?.header.sha256 ?? a.modelSha256,
        deadlineUnixMs: deadline ?? null,
      },
    );
  }
}

/**
 * The global model as the aggregator serves it: encoded as the upstream sent it (float32, or binary16 when the
 * upstream's downloadCodec is fp16: decoding and encoding binary16 again gives the same bytes), so its SHA-256 is the
 * announced one. @throws {Error} when neither encoding hashes to the announcement's modelSha256.
 */
function modelAsAnnounced(a: RoundAnnouncement, weights: ModelWeights): EncodedModel {
  for (const codec of ['none', 'fp16'] as const) {
    const model = encodeModel(a.modelName, a.round, weights, codec);
    if (!a.modelSha256 || model.header.sha256 === a.modelSha256) return model;
  }
  throw new Error(`the global model of round ${a.round} does not hash to the announced ${a.modelSha256}`);
}
