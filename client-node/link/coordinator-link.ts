import { randomUUID } from 'node:crypto';
import { PROTOCOL_VERSION } from '../../shared/contract/index.js';
import {
  makeClientConstructor,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { grpcChannelOptions, type TransportConfig } from '../../shared/config/index.js';
import { channelCredentials, type ChannelSecurity } from '../../shared/tls/index.js';
import { CoordinatorAddresses, type CoordinatorTarget } from './coordinator-addresses.js';
import {
  bearerTokenInterceptor,
  loadFedsiftProto,
  metadataInterceptor,
  SESSION_METADATA_KEY,
  type CheckSiteRequest,
  type CheckSiteResponse,
  type EvaluationReport,
  type JoinRequest,
  type JoinResponse,
  type ModelChunk,
  type RoundAnnouncement,
  type RunSpec,
  type RunSpecRequest,
  type SecAggClientMessage,
  type SecAggServerMessage,
  type SiteStatistics,
  type StatisticsAck,
  type UpdateAck,
} from '../../shared/proto/index.js';
import { assembleModel, type DownloadedModel } from './model-assembly.js';
import { streamUpdate, type UpdateStub, type UpdateToSubmit } from './update-upload.js';

type Callback<T> = (err: ServiceError | null, res?: T) => void;
type CoordinatorStub = Client &
  UpdateStub & {
    Join(req: JoinRequest, cb: Callback<JoinResponse>): void;
    Heartbeat(req: { clientId: string }, cb: Callback<{ serverUnixMs: number }>): void;
    WatchRounds(req: { clientId: string }): ClientReadableStream<RoundAnnouncement>;
    FetchModel(
      req: { runId: string; round: number; clientId: string },
      options: CallOptions,
    ): ClientReadableStream<ModelChunk>;
    ReportEvaluation(req: EvaluationReport, cb: Callback<{ accepted: boolean }>): void;
    FetchRunSpec(req: RunSpecRequest, options: CallOptions, cb: Callback<RunSpec>): void;
    SubmitStatistics(req: SiteStatistics, options: CallOptions, cb: Callback<StatisticsAck>): void;
    CheckSite(req: CheckSiteRequest, options: CallOptions, cb: Callback<CheckSiteResponse>): void;
    SecureAggregation(
      metadata: Metadata,
      options: CallOptions,
    ): ClientDuplexStream<SecAggClientMessage, SecAggServerMessage>;
  };
type HealthStub = Client & {
  Check(req: { service: string }, options: CallOptions, cb: Callback<{ status: string }>): void;
};

/**
 * The client daemon's gRPC channel to the coordinator: promise-returning calls, chunked model transfer both ways,
 * and fedsift's transport policy (message limits, keepalive). Every call carries the link's session (one per daemon
 * process; JoinRequest.session_id): the coordinator takes the calls of one daemon per site. Given several coordinator
 * addresses (a leader and its standbys), it talks to one at a time, and Join moves it to another when the one in use
 * cannot be reached or is a standby (CoordinatorAddresses): a new channel, the old one closed. I/O only.
 */
export class CoordinatorLink {
  /** This daemon's session: a random id, the same on every call and re-join of this link, at every address. */
  readonly sessionId = randomUUID();
  private readonly addresses: CoordinatorAddresses;
  /** The address of the link's channel (`stub`'s). */
  private target: CoordinatorTarget;
  private stub: CoordinatorStub;
  /** grpc.health.v1 over the same channel. */
  private healthStub: HealthStub;
  /** What a fresh channel to the coordinator is built from (the link's own, and one per retried upload). */
  private readonly channel: {
    credentials: ChannelCredentials;
    options: ChannelOptions;
    Client: ReturnType<typeof loadFedsiftProto>['CoordinatorClient'];
    Health: ReturnType<typeof makeClientConstructor>;
  };
  /** Channels of retried uploads in flight (closed with the link). */
  private readonly freshStubs = new Set<CoordinatorStub>();

  /**
   * @param coordinator the coordinator's `host:port` (or one target), or its addresses (CoordinatorAddresses.resolve:
   *        a list, DNS names expanded); the link starts with the first.
   * @param security.token the site's enrolment token, sent on every call (none when the coordinator requires none);
   *        security.tls the coordinator's CA and this site's certificate (none = plain text), read again while
   *        the link lives so that renewed files serve its next connections.
   * @throws {ConfigError} when a TLS file cannot be read.
   */
  constructor(
    coordinator: string | CoordinatorTarget | CoordinatorAddresses,
    transport: TransportConfig,
    security: ChannelSecurity = {},
  ) {
    const options = {
      ...grpcChannelOptions(transport),
      // One connection per link: links in one process (simulated sites, tests) do not share grpc-js's global subchannel.
      'grpc.use_local_subchannel_pool': 1,
      interceptors: [
        metadataInterceptor(SESSION_METADATA_KEY, this.sessionId),
        ...(security.token ? [bearerTokenInterceptor(security.token)] : []),
      ],
    };
    // The proto is loaded (read and parsed) once per link, not again for each retried upload's channel.
    const Client = loadFedsiftProto().CoordinatorClient;
    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    this.channel = { credentials: channelCredentials(security.tls), options, Client, Health };
    this.addresses = coordinator instanceof CoordinatorAddresses ? coordinator : CoordinatorAddresses.of(coordinator);
    this.target = this.addresses.current;
    this.stub = this.newStub();
    this.healthStub = this.newHealthStub();
  }

  /** The coordinator address the link talks to now. */
  get address(): string {
    return this.target.address;
  }

  /**
   * A client on a channel of its own to the address in use: a connection of its own (local subchannel pool), opened
   * at its first call. For an address expanded from a DNS name, TLS and the calls' authority use that name.
   */
  private newStub(): CoordinatorStub {
    const { credentials, options, Client } = this.channel;
    const { address, hostName } = this.target;
    const named = hostName && {
      'grpc.ssl_target_name_override': hostName,
      'grpc.default_authority': `${hostName}:${address.slice(address.lastIndexOf(':') + 1)}`,
    };
    return new Client(address, credentials, { ...options, ...named }) as unknown as CoordinatorStub;
  }

  private newHealthStub(): HealthStub {
    const { Health, credentials } = this.channel;
    return new Health(this.target.address, credentials, {
      channelOverride: this.stub.getChannel(),
    }) as unknown as HealthStub;
  }

  /** Opens a channel to the address in use when it is not the link's own any more (Join moved it); closes the old. */
  private followAddress(): void {
    if (this.addresses.current === this.target) return;
    const old = this.stub;
    this.target = this.addresses.current;
    this.stub = this.newStub();
    this.healthStub = this.newHealthStub();
    old.close();
  }

  /**
   * Joins (or re-joins) the coordinator for this link's session, stating this build's protocol revision; with
   * `req.takeover`, cuts off a live daemon of the site. With several coordinator addresses, one pass over them: a
   * Join the address in use answers UNAVAILABLE (unreachable, or a standby) moves the link to the next address (or
   * to the leader a standby names) and is tried there, each address at most once; when every one failed, the link
   * stays at the next one for the following pass and its DNS names are resolved again.
   * @throws the gRPC error (INVALID_ARGUMENT for a bad site id or another protocol revision; UNAVAILABLE, the last
   *         address's, when none answered; ALREADY_EXISTS, FS_ERR_SITE_IN_USE, when another daemon of the site is live).
   */
  async join(req: JoinRequest): Promise<JoinResponse> {
    const stated = {
      ...req,
      sessionId: this.sessionId,
      capabilities: { ...req.capabilities!, protocolVersion: PROTOCOL_VERSION },
    };
    const tried = new Set<string>();
    for (;;) {
      this.followAddress();
      const at = this.target;
      try {
        return await new Promise<JoinResponse>((resolve, reject) =>
          this.stub.Join(stated, (err, res) => (err ? reject(err) : resolve(res!))),
        );
      } catch (err) {
        tried.add(at.address);
        const next = this.addresses.afterFailure(at, err);
        if (!next) throw err;
        if (tried.has(next.address)) {
          await this.addresses.refresh();
          this.followAddress();
          throw err;
        }
      }
    }
  }

  /** Keeps this client selectable. @throws the gRPC error; NOT_FOUND means the coordinator forgot us: join again. */
  heartbeat(clientId: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stub.Heartbeat({ clientId }, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Opens the WatchRounds server stream (current announcements first). */
  watchRounds(clientId: string): ClientReadableStream<RoundAnnouncement> {
    return this.stub.WatchRounds({ clientId });
  }

  /**
   * Downloads the global model of a round, checking the declared size and SHA-256.
   * @param deadlineUnixMs the call fails with DEADLINE_EXCEEDED after this instant (default: none).
   * @param into a buffer to download into when it holds at least the model's bytes (e.g. the previous round's model,
   *        no longer needed): the returned values are then a view of it, and no model-sized buffer is allocated.
   * @throws {InvalidUpdateError} when the stream is malformed or the hash differs; the gRPC error when the call fails.
   */
  async fetchModel(
    runId: string,
    round: number,
    clientId: string,
    deadlineUnixMs?: number,
    into?: Uint8Array,
  ): Promise<DownloadedModel> {
    const call = this.stub.FetchModel({ runId, round, clientId }, deadlineUnixMs ? { deadline: deadlineUnixMs } : {});
    return assembleModel(call as AsyncIterable<ModelChunk>, 'FetchModel', into);
  }

  /**
   * Streams an update: header (with total bytes), then chunks of at most `maxChunkBytes`, honouring the stream's
   * backpressure, hashed as they go, then its SHA-256 (the trailer, UpdateChunk.sha256): the bytes leave while they
   * are hashed instead of after a pass over all of them. @param deadlineUnixMs optional call deadline.
   * @param opts.freshConnection send it on a new channel, closed once the call ends, instead of the link's: for a
   *        retry after a dropped connection, whose channel may still be in grpc-js's reconnect backoff (where calls
   *        fail at once with UNAVAILABLE) or on a half-dead connection that keepalive has not caught yet. A retry
   *        states its SHA-256 in its header instead, so that a coordinator that holds the update already (its ack was
   *        lost) acknowledges it without reading it again.
   * @returns the coordinator's ack.
   * @throws the gRPC error (e.g. INVALID_ARGUMENT, ABORTED for a stale round, FAILED_PRECONDITION for a closed one, DEADLINE_EXCEEDED).
   */
  async submitUpdate(
    update: UpdateToSubmit,
    maxChunkBytes: number,
    deadlineUnixMs?: number,
    opts: { freshConnection?: boolean } = {},
  ): Promise<UpdateAck> {
    if (!opts.freshConnection) return streamUpdate(this.stub, update, maxChunkBytes, deadlineUnixMs, false);
    const stub = this.newStub();
    this.freshStubs.add(stub);
    try {
      return await streamUpdate(stub, update, maxChunkBytes, deadlineUnixMs, true);
    } finally {
      this.freshStubs.delete(stub);
      stub.close();
    }
  }

  /**
   * Opens the SecureAggregation stream of one attempt (SecAgg+ stages 1, 2 and 4; proto SecAggClientMessage): the
   * site writes its stage messages, the first naming run, round and attempt, and reads the coordinator's. The stream
   * ends with OK after `done`, INVALID_ARGUMENT when the coordinator refused a message of the site, ABORTED when the
   * attempt failed. The caller owns the call: it ends or cancels it.
   * @param deadlineUnixMs the call fails with DEADLINE_EXCEEDED after this instant (default: none).
   */
  secureAggregation(deadlineUnixMs?: number): ClientDuplexStream<SecAggClientMessage, SecAggServerMessage> {
    return this.stub.SecureAggregation(new Metadata(), deadlineUnixMs ? { deadline: deadlineUnixMs } : {});
  }

  /** Sends the global model's loss and accuracy on this site's data. @throws the gRPC error (e.g. ABORTED when stale). */
  reportEvaluation(report: EvaluationReport): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stub.ReportEvaluation(report, (err) => (err ? reject(err) : resolve())),
    );
  }

  /**
   * The run's spec: its model's topology, input shape and class count, its data schema and (once round 0 gathered
   * them) its global feature statistics (revision 4).
   * @param deadlineUnixMs the call fails with DEADLINE_EXCEEDED after this instant (default: none).
   * @throws the gRPC error (NOT_FOUND for an unknown run or client, PERMISSION_DENIED for another site's session).
   */
  fetchRunSpec(runId: string, clientId: string, deadlineUnixMs?: number): Promise<RunSpec> {
    return new Promise((resolve, reject) =>
      this.stub.FetchRunSpec({ runId, clientId }, deadlineUnixMs ? { deadline: deadlineUnixMs } : {}, (err, res) =>
        err ? reject(err) : resolve(res!),
      ),
    );
  }

  /**
   * Sends this site's feature statistics for round 0 of a run with a data schema (sums over its rows, never rows).
   * @throws the gRPC error (INVALID_ARGUMENT for sums that do not fit the run's schema, FAILED_PRECONDITION when the
   *         run is not in round 0 or the site has fewer rows than the schema's minSiteRows, NOT_FOUND, PERMISSION_DENIED).
   */
  submitStatistics(s: SiteStatistics, deadlineUnixMs?: number): Promise<StatisticsAck> {
    return new Promise((resolve, reject) =>
      this.stub.SubmitStatistics(s, deadlineUnixMs ? { deadline: deadlineUnixMs } : {}, (err, res) =>
        err ? reject(err) : resolve(res!),
      ),
    );
  }

  /**
   * The coordinator's grpc.health.v1 status of the Coordinator service (`SERVING`), over this link's channel: reaching
   * it proves the address, the port and the TLS settings, before any token is checked.
   * @throws the gRPC error (UNAVAILABLE when no connection could be made, with the TLS or socket error in its details).
   */
  health(deadlineUnixMs: number): Promise<string> {
    return new Promise((resolve, reject) =>
      this.healthStub.Check({ service: 'fedsift.v1.Coordinator' }, { deadline: deadlineUnixMs }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  }

  /**
   * Asks whether the coordinator would let this site join (its rate limit, client certificate, token and protocol
   * revision) without joining, and which unfinished runs it has (`fedsift preflight`).
   * @throws the gRPC error Join would answer (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT); UNIMPLEMENTED
   *         from a coordinator older than CheckSite.
   */
  checkSite(siteId: string, token: string, deadlineUnixMs: number): Promise<CheckSiteResponse> {
    const req = { siteId, token, protocolVersion: PROTOCOL_VERSION };
    return new Promise((resolve, reject) =>
      this.stub.CheckSite(req, { deadline: deadlineUnixMs }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  }

  /** Closes the channels; calls in flight fail with CANCELLED. */
  close(): void {
    for (const stub of this.freshStubs) stub.close();
    this.stub.close();
  }
}
