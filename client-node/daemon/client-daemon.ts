import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status, type ServiceError } from '@grpc/grpc-js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../shared/contract/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import { isNotLeader, isPermanentJoinRefusal, isSiteConflict, joinWithRetry, refusalReason } from './join-refusals.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { AttemptTracker } from './attempt-tracker.js';
import type { ClientDaemonDeps } from './client-daemon-deps.js';
import { RoundScheduler } from './round-scheduler.js';
import { classifyAnnouncement, identityFromJoin, type CoordinatorIdentity } from './coordinator-identity.js';
import type { Slowdown } from './slowdown.js';
import { UpdateEncoder } from './update-encoder.js';
import { playFitRound } from './fit-round.js';
import { playStatisticsRound } from './statistics-round.js';
import type { UploadRetryPolicy } from './upload-retry.js';
import type { SecAggRetryMemo } from './secagg-retry.js';
import { siteCapabilities, siteLabels } from '../data/index.js';
import type { RoundSource } from '../rounds/index.js';

/** Resolution of the upload retries' jitter: uniform numbers in [0, 1) in steps of 2^-32. */
const JITTER_STEPS = 2 ** 32;

/**
 * The client daemon: joins the coordinator, keeps heartbeating, hears round announcements, and for every round it is
 * selected for fetches the run's spec when it changed (RunContexts: one model and trainer per run, released at
 * RUN_DONE) and the global model, evaluates it on local data, trains, and submits the update — in a SecAgg+ attempt
 * as a masked vector, within the attempt's SecureAggregation session (playSecAggRound); in round 0 of a run with a
 * data schema it sends the site's feature statistics. Rounds are handled one at a time, in arrival order
 * (RoundScheduler: a SecAgg+ attempt's key stages start at once, its training takes its turn); a round whose deadline
 * passed is skipped. Survives coordinator restarts (re-joins with the same site id, hence the same client id) and
 * NATS restarts (the source reconnects). Stops (cutOff) when another daemon speaks for its site.
 */
export class ClientDaemon {
  private clientIdValue = '';
  /** The coordinator as its last JoinResponse named it (empty before the first Join). */
  private coordinator: CoordinatorIdentity = { coordinatorId: '', federationId: '' };
  private maxChunkBytes = MAX_CHUNK_BYTES;
  private heartbeatMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  private readonly attempts = new AttemptTracker();
  /** Encodes updates with each round's codec; holds the top-k error feedback per run. */
  private readonly encoder = new UpdateEncoder();
  /** Spacing of upload retries: the reconnect backoff, jittered from crypto randomness so sites cut at once spread out. */
  private readonly uploadRetry: UploadRetryPolicy;
  /** The last re-join refusal logged (see rejoinFailed). */
  private lastRefusal = '';
  /** Whether a Join succeeded (only the first one may take the site over). */
  private joined = false;
  private resolveCutOff!: (err: ServiceError) => void;
  /**
   * Resolves with the coordinator's refusal when another daemon speaks for this site (it took the site over, or holds
   * it when this one re-joins); the daemon is closing by then and takes part in nothing more.
   */
  readonly cutOff = new Promise<ServiceError>((resolve) => (this.resolveCutOff = resolve));
  private closing: Promise<void> | undefined;
  private readonly rounds: RoundScheduler;
  private source: RoundSource | undefined;
  private closed = false;
  /** The last fetched global model's bytes; the next fetch downloads into them (no model-sized allocation per round). */
  private readonly modelBuffer: { bytes?: Uint8Array } = {};
  private readonly secAggMemo: { last?: SecAggRetryMemo } = {};
  private readonly log: Logger;
  /** Cuts a slowed client's wait short when the daemon closes. */
  private readonly stopping = new AbortController();
  /** `--slowdown`: measured with the process's monotonic clock; the wait ends (throwing) at close. */
  private readonly slowdown: Slowdown;

  constructor(private readonly deps: ClientDaemonDeps) {
    this.log = deps.logger.child({ site: deps.config.siteId });
    this.rounds = new RoundScheduler(
      {
        fit: (a) => this.playRound(a),
        statistics: (a) => this.playStatistics(a),
        release: (runId) => {
          this.encoder.forget(runId);
          return this.deps.runs.release(runId);
        },
      },
      this.log,
    );
    this.slowdown = {
      factor: deps.config.slowdown,
      now: () => performance.now(),
      sleep: (ms) => sleep(ms, undefined, { signal: this.stopping.signal }),
    };
    const { initialBackoffMs: initialMs, maxBackoffMs: maxMs } = deps.config;
    this.uploadRetry = { initialMs, maxMs, random: () => randomInt(JITTER_STEPS) / JITTER_STEPS };
  }

  get clientId(): string {
    return this.clientIdValue;
  }

  /** The federation of the coordinator (from its last JoinResponse); the daemon plays only its announcements. */
  get federationId(): string {
    return this.coordinator.federationId;
  }

  /**
   * Joins (joinWithRetry: with backoff until the coordinator answers, waiting out a live daemon that holds the site),
   * then listens for rounds.
   * @throws what joinWithRetry throws, so the process exits and says why.
   */
  async start(): Promise<void> {
    await joinWithRetry(
      () => this.join(),
      this.deps.config,
      () => this.closed,
      this.log,
    );
    void this.heartbeatLoop();
    this.source = this.deps.roundSource(this);
    this.source.start((a) => this.onAnnouncement(a));
    this.log.info(
      {
        client: this.clientId,
        coordinator: this.deps.link.address,
        source: this.source.name,
        examples: siteLabels(this.deps.runs.site).length,
      },
      'listening for rounds',
    );
    if (this.deps.config.attack)
      this.log.warn({ attack: this.deps.config.attack }, 'FAULT INJECTION: this client sends poisoned updates');
    if (this.deps.config.slowdown > 1)
      this.log.warn(
        { slowdown: this.deps.config.slowdown },
        'SIMULATION AID: this client waits after training, so it trains that many times slower',
      );
  }

  /**
   * (Re-)joins with this site's id; the coordinator answers with the same client id every time, and names its
   * federation. The first Join takes the site over from a live daemon when config.takeover is set.
   * @throws the gRPC error of a refusal; {ConfigError} when the coordinator speaks another protocol revision, or names
   *         a federation id that is not one (it would become a NATS subject filter).
   */
  async join(): Promise<void> {
    const { config, runs, backend } = this.deps;
    const res = await this.deps.link.join({
      siteId: config.siteId,
      token: config.token ?? '',
      capabilities: { ...siteCapabilities(runs.site), backend },
      takeover: config.takeover && !this.joined,
    });
    if (config.takeover && !this.joined)
      this.log.warn('joined with --takeover: a live daemon of this site, if any, is cut off');
    this.joined = true;
    const identity = identityFromJoin(res);
    const was = this.coordinator.federationId;
    if (was && identity.federationId !== was) {
      // The NATS round source stays subscribed to the federation it started with.
      this.log.warn(
        { was, now: identity.federationId },
        'federation changed: rounds on WatchRounds only until restart',
      );
    }
    this.coordinator = identity;
    this.clientIdValue = res.clientId;
    this.maxChunkBytes = res.maxChunkBytes || this.maxChunkBytes;
    this.heartbeatMs = res.heartbeatIntervalMs || this.heartbeatMs;
  }

  /**
   * Re-joins (after a coordinator restart, a lost stream); a refusal is handled by rejoinFailed. When `cause` (the
   * lost stream's error) says another daemon took the site over, the daemon stops with it instead: a re-join would
   * only be refused, and would stop it with a message about a live daemon rather than the takeover.
   */
  async rejoin(cause?: unknown): Promise<void> {
    if (this.stopIfCutOff(cause)) return;
    await this.join().catch((e: unknown) => this.rejoinFailed(e));
  }

  /**
   * A re-join failed: retried at the next heartbeat; a refusal of this site (e.g. its token revoked) is an error to
   * see; another daemon speaking for the site stops this one.
   */
  private rejoinFailed(err: unknown): void {
    if (this.stopIfCutOff(err)) return;
    if (!isPermanentJoinRefusal(err) && !(err instanceof ConfigError)) return;
    const reason = refusalReason(err);
    if (reason === this.lastRefusal) return; // re-tried at every heartbeat: said once
    this.lastRefusal = reason;
    this.log.error(
      { reason },
      'the coordinator refuses this site, or speaks another protocol; it takes part in no round until that changes',
    );
  }

  /** Stops for good when `err` says another daemon speaks for this site (isSiteConflict). @returns whether it did. */
  private stopIfCutOff(err: unknown): boolean {
    if (!isSiteConflict(err)) return false;
    if (!this.closing) {
      this.log.error({ reason: err.details }, 'another daemon speaks for this site: this one stops');
      this.resolveCutOff(err);
      void this.close();
    }
    return true;
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.closed) {
      await sleep(this.heartbeatMs);
      if (this.closed) return;
      try {
        await this.deps.link.heartbeat(this.clientId);
      } catch (err) {
        // NOT_FOUND: the coordinator restarted and forgot us; NOT_LEADER: it became a standby, and the re-join moves
        // the link to the leader; anything else: the channel reconnects by itself.
        if (this.stopIfCutOff(err)) return;
        if ((isServiceError(err) && err.code === status.NOT_FOUND) || isNotLeader(err)) await this.rejoin();
      }
    }
  }

  private onAnnouncement(a: RoundAnnouncement): void {
    const verdict = classifyAnnouncement(a, this.coordinator, this.clientId, Date.now());
    if (verdict === 'rejoin') {
      // After a failed re-join the coordinator id is unchanged, so the announcement is not looked at again.
      void this.rejoin().then(() => a.coordinatorId === this.coordinator.coordinatorId && this.onAnnouncement(a));
      return;
    }
    if (verdict !== 'play') {
      const { runId: run, federationId: federation, coordinatorId: coordinator } = a;
      this.log.debug({ run, federation, coordinator }, `announcement ignored (${verdict})`);
      return;
    }
    this.attempts.observe(a);
    this.rounds.schedule(a, this.clientId);
  }

  private async playStatistics(a: RoundAnnouncement): Promise<void> {
    if (this.closed) return;
    const log = this.log.child({ run: a.runId, round: a.round });
    const round = { runs: this.deps.runs, link: this.deps.link, clientId: this.clientId, log };
    await playStatisticsRound(round, a).catch((err: unknown) => {
      log.warn({ reason: refusalReason(err) }, 'feature statistics not sent');
      this.stopIfCutOff(err);
    });
  }

  private async playRound(a: RoundAnnouncement): Promise<void> {
    if (this.closed) return;
    const { config, link, models, runs, metrics, reporting } = this.deps;
    const round = {
      ...{ config, link, models, runs, metrics, reporting },
      clientId: this.clientId,
      maxChunkBytes: this.maxChunkBytes,
      attempts: this.attempts,
      encoder: this.encoder,
      slowdown: this.slowdown,
      uploadRetry: this.uploadRetry,
      modelBuffer: this.modelBuffer,
      secAggMemo: this.secAggMemo,
      exclusive: <T>(work: () => Promise<T>) => this.rounds.exclusive(work),
      isClosed: () => this.closed,
      onError: (err: unknown) => this.stopIfCutOff(err),
      log: this.log.child({ run: a.runId, round: a.round }),
    };
    await playFitRound(round, a);
  }

  /** Stops listening and heartbeating; an in-flight round is abandoned. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    this.attempts.close();
    await this.source?.close();
    this.deps.link.close();
    await this.deps.runs.dispose();
    await this.deps.onClose?.();
  }
}
