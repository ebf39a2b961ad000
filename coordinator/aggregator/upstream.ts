import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import {
  AttemptTracker,
  classifyAnnouncement,
  identityFromJoin,
  isNotLeader,
  isSiteConflict,
  joinWithRetry,
  submitToOpenAttempt,
  type CoordinatorIdentity,
} from '../../client-node/daemon/index.js';
import type { CoordinatorLink, UpdateToSubmit } from '../../client-node/link/index.js';
import { GrpcRoundSource, type RoundSource } from '../../client-node/rounds/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { AggregatorConfig } from '../../shared/config/index.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../shared/contract/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement, UpdateAck } from '../../shared/proto/index.js';

/** Resolution of the upload retries' jitter: uniform numbers in [0, 1) in steps of 2^-32. */
const JITTER_STEPS = 2 ** 32;

/**
 * An aggregator's link to its upstream coordinator, where it is one participant standing for its sub-fleet: it joins
 * (ClientCapabilities.aggregator, no data of its own), heartbeats, re-joins after an upstream restart, hears the
 * upstream's announcements on WatchRounds (those of its own coordinator, as a site's daemon classifies them), and
 * submits the sub-fleet's updates to an open attempt of their round with the daemon's retries (submitToOpenAttempt).
 */
export class Upstream {
  private clientIdValue = '';
  private identity: CoordinatorIdentity = { coordinatorId: '', federationId: '' };
  private heartbeatMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  private maxChunkBytes = MAX_CHUNK_BYTES;
  /** The upstream's attempts, as announced: an update goes to the newest open one of its round. */
  readonly attempts = new AttemptTracker();
  private source: RoundSource | undefined;
  private closed = false;
  private resolveCutOff!: () => void;
  /** Resolves when another process took the aggregator's site at the upstream over: this one takes part no more. */
  readonly cutOff = new Promise<void>((resolve) => (this.resolveCutOff = resolve));

  constructor(
    private readonly config: AggregatorConfig['upstream'],
    readonly link: CoordinatorLink,
    private readonly log: Logger,
  ) {}

  /** The aggregator's client id at the upstream ('' before it joined). */
  get clientId(): string {
    return this.clientIdValue;
  }

  /** The upstream's federation (its last JoinResponse's), which the aggregator serves its own clients under. */
  get federationId(): string {
    return this.identity.federationId;
  }

  /**
   * Joins (with the daemon's retries, joinWithRetry) and starts heartbeating.
   * @throws what joinWithRetry throws (a refusal, an unreachable upstream past connectTimeoutMs).
   */
  async start(): Promise<void> {
    await joinWithRetry(
      () => this.join(),
      this.config,
      () => this.closed,
      this.log,
    );
    void this.heartbeatLoop();
  }

  /**
   * Hands every announcement of the upstream to `onAnnouncement` from now on (those of another process of the
   * upstream that select the aggregator, after a re-join).
   */
  listen(onAnnouncement: (a: RoundAnnouncement) => void): void {
    const backoff = { initialMs: this.config.initialBackoffMs, maxMs: this.config.maxBackoffMs };
    const rejoin = () => this.join().catch((err: Error) => this.log.warn({ reason: err.message }, 're-join failed'));
    this.source = new GrpcRoundSource(this.link, () => this.clientId, rejoin, backoff, this.log);
    this.source.start((a) => this.hear(a, onAnnouncement));
  }

  /**
   * Submits the sub-fleet's update for the round of `trained` to an open attempt of it that selects the aggregator.
   * @returns the upstream's ack, or undefined when no attempt takes it. @throws the gRPC error of a refusal.
   */
  submit(update: UpdateToSubmit, trained: RoundAnnouncement): Promise<UpdateAck | undefined> {
    const { initialBackoffMs: initialMs, maxBackoffMs: maxMs } = this.config;
    return submitToOpenAttempt(
      {
        attempts: this.attempts,
        clientId: this.clientId,
        isClosed: () => this.closed,
        submit: (u, deadlineUnixMs, fresh) =>
          this.link.submitUpdate(u, this.maxChunkBytes, deadlineUnixMs, { freshConnection: fresh }),
        retry: { initialMs, maxMs, random: () => randomInt(JITTER_STEPS) / JITTER_STEPS },
        log: this.log,
      },
      update,
      trained,
    );
  }

  /** Stops hearing and heartbeating; closes the link. */
  async close(): Promise<void> {
    this.closed = true;
    this.attempts.close();
    await this.source?.close();
    this.link.close();
  }

  /** Joins (again) as an aggregator: no data of its own; its clients' data is checked here against each run. */
  private async join(): Promise<void> {
    const res = await this.link.join({
      siteId: this.config.siteId,
      token: this.config.token ?? '',
      capabilities: {
        numExamples: 0,
        backend: 'aggregator',
        numFeatures: 0,
        numLabelClasses: 0,
        schemaSha256: '',
        aggregator: true,
      },
    });
    this.identity = identityFromJoin(res);
    this.clientIdValue = res.clientId;
    this.heartbeatMs = res.heartbeatIntervalMs || this.heartbeatMs;
    this.maxChunkBytes = res.maxChunkBytes || this.maxChunkBytes;
  }

  private hear(a: RoundAnnouncement, onAnnouncement: (a: RoundAnnouncement) => void): void {
    const verdict = classifyAnnouncement(a, this.identity, this.clientId, Date.now());
    if (verdict === 'rejoin') {
      void this.join()
        .then(() => a.coordinatorId === this.identity.coordinatorId && this.hear(a, onAnnouncement))
        .catch((err: Error) => this.log.warn({ reason: err.message }, 're-join failed'));
      return;
    }
    if (verdict !== 'play') return;
    this.attempts.observe(a);
    onAnnouncement(a);
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.closed) {
      await sleep(this.heartbeatMs);
      if (this.closed) return;
      try {
        await this.link.heartbeat(this.clientId);
      } catch (err) {
        if (isSiteConflict(err)) {
          this.log.error({ reason: err.details }, 'another process speaks for this aggregator at the upstream');
          this.resolveCutOff();
          return;
        }
        if ((isServiceError(err) && err.code === status.NOT_FOUND) || isNotLeader(err))
          await this.join().catch((e: Error) => this.log.warn({ reason: e.message }, 're-join failed'));
      }
    }
  }
}
