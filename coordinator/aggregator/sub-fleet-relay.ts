import { setTimeout as sleep } from 'node:timers/promises';
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

/** How often a relayed attempt looks again for live clients while fewer than minClients are (ms). */
const CLIENT_WAIT_POLL_MS = 200;

/** What the relay works with: the aggregator's clients, its announcements to them, its runs, its upstream. */
export interface SubFleetRelayDeps {
  config: Pick<AggregatorConfig, 'clientsPerRound' | 'minClients' | 'forwardShare'>;
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
  private closed = false;
  /** The upstream attempts relayed (attemptKey), so a replayed announcement (a reconnected stream) is not relayed twice. */
  private readonly seen = new Set<string>();

  constructor(private readonly d: SubFleetRelayDeps) {}

  /** An announcement of the upstream (its own, classified by Upstream). Never throws: failures are logged. */
  hear(a: RoundAnnouncement): void {
    const run = this.d.runs.find(a.runId);
    // Another round (or another upstream process) ends the local attempt of the one before, whether or not the new
    // one selects the aggregator: its clients would train for nothing.
    const current = run?.round;
    if (current && (current.round !== a.round || current.upstreamId !== a.coordinatorId))
      current.open?.close('aborted');
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      this.d.runs.remove(a.runId);
      for (const key of this.seen) if (key.startsWith(`${a.runId}/`)) this.seen.delete(key);
      this.enqueue(a, () => this.d.broadcaster.announce(this.relayed(a, [], null)));
      return;
    }
    const selected = a.selectedClientIds.includes(this.d.upstream.clientId);
    if (a.phase === 'ROUND_PHASE_STATISTICS' && selected) {
      this.d.logger.warn({ run: a.runId }, 'a feature statistics round is not relayed: the run should refuse it');
      return;
    }
    if (a.phase !== 'ROUND_PHASE_FIT' || a.dispatch || !selected || this.seen.has(attemptKey(a))) return;
    this.seen.add(attemptKey(a));
    this.enqueue(a, () => this.play(a));
  }

  /** Closes every open local attempt (aborted); relays nothing more. */
  close(): void {
    this.closed = true;
    for (const run of this.d.runs.list()) run.round?.open?.close('aborted');
  }

  /** Runs `work` after the run's earlier work; the run's queue is forgotten once it drains. */
  private enqueue(a: RoundAnnouncement, work: () => Promise<void>): void {
    const log = this.d.logger.child({ run: a.runId, round: a.round, attempt: a.attempt });
    const next: Promise<void> = (this.queues.get(a.runId) ?? Promise.resolve())
      .then(work)
      .catch((err: Error) => log.error({ reason: err.message }, 'relayed round failed'))
      .finally(() => this.queues.get(a.runId) === next && this.queues.delete(a.runId));
    this.queues.set(a.runId, next);
  }

  /** Whether attempt `a` is past: a newer attempt or round, the round delivered, the run ended, or the relay closed. */
  private over(a: RoundAnnouncement): boolean {
    return this.closed || this.d.upstream.attempts.isSuperseded(a);
  }

  private async play(a: RoundAnnouncement): Promise<void> {
    const { upstream, logger } = this.d;
    if (this.over(a)) return;
    const run = await this.runFor(a);
    if (!run || this.over(a)) return;
    const same = run.round?.round === a.round && run.round.model.header.sha256 === a.modelSha256;
    const round = same ? run.round! : await this.newRound(run, a);
    if (this.over(a)) return;
    round.upstreamId = a.coordinatorId;
    const sent = round.sent;
    if (sent) return forwardSubFleet(upstream, round, () => sent, a, logger); // a restarted upstream asks again
    const deadline = this.localDeadline(a);
    const selected = await this.select(run.spec, round, a, deadline);
    if (this.over(a)) return;
    const open = round.openAttempt(run.nextAttempt++, selected, deadline);
    run.lastAttempt = open;
    await this.d.broadcaster.announce(this.relayed(a, selected, round.model, deadline, open.attempt));
    logger.info({ run: a.runId, round: a.round, attempt: open.attempt, clients: selected.length }, 'round relayed');
    const closed = await closeFailingLostClients(open, this.d.clients, { now: () => Date.now() });
    if (closed === 'aborted' || closed === 'stopped') return;
    await forwardSubFleet(upstream, round, () => round.result(), a, logger);
  }

  /**
   * The run of `a`, its spec fetched from the upstream when the run is new or its spec changed; undefined when the
   * run ended (or the attempt was superseded) while the spec was on its way.
   */
  private async runFor(a: RoundAnnouncement): Promise<RelayRun | undefined> {
    const { runs, upstream } = this.d;
    let run = runs.find(a.runId);
    if (!run || run.spec.sha256 !== a.runSpecSha256) {
      const deadline = a.deadlineUnixMs || undefined;
      const spec: RunSpec = await upstream.link.fetchRunSpec(a.runId, upstream.clientId, deadline);
      if (this.over(a)) return undefined;
      run = runs.find(a.runId);
      if (run) run.spec = spec;
      else runs.add((run = new RelayRun(a.runId, spec, a)));
    }
    run.announced = a;
    return run;
  }

  /** The round of `a` with its global model, fetched once from the upstream and checked against the announcement. */
  private async newRound(run: RelayRun, a: RoundAnnouncement): Promise<RelayRound> {
    const { upstream } = this.d;
    const deadline = a.deadlineUnixMs || undefined;
    const { weights } = await upstream.link.fetchModel(a.runId, a.round, upstream.clientId, deadline);
    const codec = codecFromWire(a.fit.updateCodec);
    if (typeof codec === 'string') throw new Error(`the upstream announced an invalid update codec: ${codec}`);
    const fold = a.fit.subFleet ?? { effectiveExamples: false, maxUpdateNorm: 0 };
    const deps = { sender: (id: string) => this.d.clients.get(id).capabilities, logger: this.d.logger };
    run.round = new RelayRound(a.runId, a.round, modelAsAnnounced(a, weights), weights, fold, codec, deps);
    return run.round;
  }

  /**
   * Live clients whose data fits the run and that have not delivered this round (a seeded sample of clientsPerRound),
   * once at least minClients of them are live (waiting at most until `deadline`, or while the attempt is current).
   */
  private async select(
    spec: RunSpec,
    round: RelayRound,
    a: RoundAnnouncement,
    deadline: number | null,
  ): Promise<string[]> {
    const fits = subFleetShape(spec);
    const delivered = round.progress.accepted; // clients whose update this round holds already
    const candidates = () => this.d.clients.live(Date.now(), fits).filter((id) => !delivered.has(id));
    let live = candidates();
    while (live.length < this.d.config.minClients && !this.over(a) && (deadline === null || Date.now() < deadline)) {
      await sleep(CLIENT_WAIT_POLL_MS);
      live = candidates();
    }
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

  private relayed(
    a: RoundAnnouncement,
    selected: string[],
    model: EncodedModel | null,
    deadline?: number | null,
    attempt = a.attempt,
  ) {
    const { aggregatorId, upstream } = this.d;
    return relayedAnnouncement(
      a,
      { aggregatorId, federationId: upstream.federationId, upstreamId: upstream.clientId },
      {
        selected,
        modelSha256: model?.header.sha256 ?? a.modelSha256,
        deadlineUnixMs: deadline ?? null,
        attempt,
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
