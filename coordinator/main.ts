import { randomUUID } from 'node:crypto';
import type { ServerInterceptor } from '@grpc/grpc-js';
import type { CoordinatorConfig } from '../shared/config/index.js';
import { roundsStream, roundsSubjects } from '../shared/contract/index.js';
import type { Logger } from '../shared/logging/index.js';
import { loadTf } from '../shared/tf/index.js';
import { FanoutBroadcaster, NatsBroadcaster, StreamBroadcaster, type RoundBroadcaster } from './broadcast/index.js';
import { ClientRegistry } from './clients/index.js';
import { TfModelRuntime, type ModelRuntime } from './evaluation/index.js';
import { shutdownServer, startGrpcServer, UploadGate, type WriteStats } from './grpc/index.js';
import { httpApp } from './http/index.js';
import { startHttpServer } from '../shared/http/index.js';
import { CoordinatorMetrics } from './metrics/index.js';
import { NatsModelObjects } from './models/index.js';
import { RunManager, type Clock } from './rounds/index.js';
import { CoordinatorRole, openState, type Role } from './leadership/index.js';
import { openFileSpill } from './spill/index.js';
import { AccessControl } from './auth/index.js';
import { CertificateFiles } from '../shared/tls/index.js';

/** How long close() lets open calls finish before cutting them (ms). */
const SHUTDOWN_GRACE_MS = 1_000;

/** A running coordinator. */
export interface Coordinator {
  /** host:port the gRPC server listens on. */
  readonly address: string;
  readonly port: number;
  readonly manager: RunManager;
  /** Transports announcements travel on (`grpc-stream` or `nats+grpc-stream`). */
  readonly broadcast: string;
  /** tfjs backend of centralised evaluation (`wasm`, `tensorflow`, `cpu`). */
  readonly backend: string;
  /** Clients that joined and heartbeat within the client timeout. */
  liveClients(): number;
  /** Port of the HTTP server (metrics, health, dashboard), or undefined when it is off. */
  readonly httpPort: number | undefined;
  readonly metrics: CoordinatorMetrics;
  /** The memory bound of updates being received at once (uploadBufferBytes). */
  readonly uploads: UploadGate;
  /**
   * 'leader' while it runs rounds and answers calls; 'standby' while another coordinator on the same PostgreSQL leads
   * (health NOT_SERVING, calls refused UNAVAILABLE naming the leader). Without PostgreSQL, always 'leader'.
   */
  role(): Role;
  /** Stops runs (suspended: resumable from the state), releases the leader lease, stops the server and NATS. */
  close(): Promise<void>;
}

/** Optional hooks for tests and embedding. */
export interface CoordinatorHooks {
  /** Replaces the tfjs runtime (each run's model, initial weights, evaluation); tfjs is then not loaded. */
  runtime?: ModelRuntime;
  onModelStreamed?: (stats: WriteStats) => void;
  /** grpc-js server interceptors, outermost first (the transfer benchmark meters CPU with one). */
  interceptors?: ServerInterceptor[];
}

/**
 * Composition root of the coordinator: loads tfjs, connects NATS when configured (announcements
 * then go to the federation's JetStream stream and the WatchRounds stream), opens the durable state (SQLite, or
 * PostgreSQL shared with standbys: it then campaigns for the leader lease and serves only while it leads), and serves
 * gRPC (over TLS, its certificate files read again every `tls.reloadIntervalMs`). Resolves once the first campaign is
 * decided and, when this coordinator leads, its runs are loaded.
 * @throws {ServiceUnavailableError} when natsUrl or stateUrl is unreachable;
 *         {ConfigError} when JetStream refuses the federation's stream, for an unreadable or wrong certificate or key,
 *         or a state directory or PostgreSQL schema a newer fedsift wrote.
 */
export async function startCoordinator(
  config: CoordinatorConfig,
  logger: Logger,
  hooks: CoordinatorHooks = {},
): Promise<Coordinator> {
  const clock: Clock = { now: () => Date.now() };
  const access = AccessControl.fromConfig(config.auth, Boolean(config.tls?.clientCaFile), logger);
  const certificates = config.tls && CertificateFiles.forServer(config.tls, logger);
  if (!config.tls)
    logger.warn('PLAIN TEXT: gRPC without TLS, as asked (insecure); updates, models and tokens travel unencrypted');
  const runtime = hooks.runtime ?? (await createTfRuntime(config, logger));
  const streamBroadcaster = new StreamBroadcaster();
  let broadcaster: RoundBroadcaster = streamBroadcaster;
  if (config.natsUrl) {
    const nats = await NatsBroadcaster.connect(config.natsUrl, config.federationId);
    broadcaster = new FanoutBroadcaster([nats, streamBroadcaster]);
    logger.info(
      {
        natsUrl: config.natsUrl,
        federation: config.federationId,
        stream: roundsStream(config.federationId),
        subjects: roundsSubjects(config.federationId),
      },
      'round announcements on NATS JetStream and the WatchRounds stream',
    );
  } else {
    logger.info('no NATS URL configured: round announcements on the WatchRounds gRPC stream only');
  }
  const clients = new ClientRegistry(config.clientTimeoutMs);
  const holder = randomUUID();
  let port = config.port; // the bound one once the server listens
  const advertised = () => config.advertiseAddress ?? `${config.host}:${port}`;
  // The store's writes carry the token of the current lead (CoordinatorRole.fence), read at each write.
  const state = await openState(config, holder, advertised, () => role.fence(), logger);
  const store = state.store;
  const uploads = new UploadGate(config.uploadBufferBytes);
  const metrics = new CoordinatorMetrics(() => clients.live(clock.now()).length, uploads, certificates);
  const onPut = (run: string, bytes: number) => metrics.modelObjectPut(run, bytes);
  const modelObjects = config.natsUrl
    ? await NatsModelObjects.open(config.natsUrl, { federationId: config.federationId, logger, onPut })
    : undefined;
  // Read when each run is loaded or started (and on each Join): the id of the current lead (CoordinatorRole).
  const manager: RunManager = new RunManager({
    get coordinatorId(): string {
      return role.coordinatorId;
    },
    federationId: config.federationId,
    broadcaster,
    clients,
    runtime,
    clock,
    logger,
    store,
    modelObjects,
    openSpill: openFileSpill,
  });
  manager.on('event', (e) => metrics.onRunEvent(e));
  if (!access.enrolmentRequired)
    logger.warn('no auth.clientTokensFile: clients are not authenticated (development mode); see `fedsift enrol`');
  if (!access.adminTokenRequired)
    logger.warn('no admin token: the Admin service is open to anyone who reaches the port; set $FEDSIFT_ADMIN_TOKEN');
  const role: CoordinatorRole = new CoordinatorRole({ leadership: state.leadership, manager, logger });
  const grpc = await startGrpcServer({
    host: config.host,
    port: config.port,
    transport: config.transport,
    interceptors: hooks.interceptors,
    certificates,
    logger,
    deps: {
      get coordinatorId(): string {
        return role.coordinatorId;
      },
      federationId: config.federationId,
      manager,
      clients,
      streamBroadcaster,
      clock,
      logger,
      metrics,
      access,
      uploads,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      onModelStreamed: hooks.onModelStreamed,
    },
    state: role,
  });
  const server = grpc.server;
  port = grpc.port;
  const address = `${config.host}:${port}`;
  logger.info({ address, advertised: advertised(), state: store?.location ?? null }, 'coordinator listening');
  role.on('serving', (serving) => grpc.setServing(serving));
  let http: { port: number; close(): Promise<void> } | undefined;
  const close = async () => {
    await role.close();
    await http?.close();
    await shutdownServer(server, SHUTDOWN_GRACE_MS);
    await broadcaster.close();
    await modelObjects?.close();
    await state.close();
  };
  const ready = () => ({ grpc: true, broadcast: broadcaster.healthy(), leader: role.serving() });
  try {
    await role.start();
    http =
      config.httpPort === null
        ? undefined
        : await startHttpServer(
            config.host,
            config.httpPort,
            httpApp(manager, metrics, ready, access, () => role.role),
            logger,
            'httpPort',
          );
  } catch (err) {
    await close();
    throw err;
  }
  return {
    address,
    port,
    manager,
    broadcast: broadcaster.name,
    backend: runtime.backend,
    liveClients: () => clients.live(clock.now()).length,
    httpPort: http?.port,
    metrics,
    uploads,
    role: () => role.role,
    close,
  };
}

async function createTfRuntime(config: CoordinatorConfig, logger: Logger): Promise<ModelRuntime> {
  const loaded = await loadTf(config.backend);
  logger.info({ backend: loaded.backend, skipped: loaded.skipped }, `tfjs backend: ${loaded.backend}`);
  return new TfModelRuntime(loaded, config.testData, logger);
}
