import type { CoordinatorConfig } from '../shared/config/index.js';
import { loadDataSource } from '../shared/data/index.js';
import type { Logger } from '../shared/logging/index.js';
import { loadTf } from '../shared/tf/index.js';
import { FanoutBroadcaster, NatsBroadcaster, StreamBroadcaster, type RoundBroadcaster } from './broadcast/index.js';
import { ClientRegistry } from './clients/index.js';
import { TfModelRuntime } from './evaluation/index.js';
import { startGrpcServer, type WriteStats } from './grpc/index.js';
import { RunManager, type Clock } from './rounds/index.js';

/** A running coordinator. */
export interface Coordinator {
  /** host:port the gRPC server listens on. */
  readonly address: string;
  readonly port: number;
  readonly manager: RunManager;
  /** Transports announcements travel on (`grpc-stream` or `nats+grpc-stream`). */
  readonly broadcast: string;
  /** Stops runs, the server and NATS. */
  close(): Promise<void>;
}

/** Optional hooks for tests and embedding. */
export interface CoordinatorHooks {
  clock?: Clock;
  onModelStreamed?: (stats: WriteStats) => void;
}

/**
 * Composition root of the coordinator: loads tfjs and the test set, connects NATS when configured (announcements
 * then go to JetStream and the WatchRounds stream), and serves gRPC.
 * @throws {DataError} when the test set cannot be loaded; a NATS connection error when natsUrl is unreachable.
 */
export async function startCoordinator(config: CoordinatorConfig, logger: Logger, hooks: CoordinatorHooks = {}): Promise<Coordinator> {
  const clock = hooks.clock ?? { now: () => Date.now() };
  const loaded = await loadTf(config.backend);
  logger.info({ backend: loaded.backend, skipped: loaded.skipped }, `tfjs backend: ${loaded.backend}`);
  const runtime = new TfModelRuntime(loaded, loadDataSource(config.testData, 10), logger);
  const streamBroadcaster = new StreamBroadcaster();
  let broadcaster: RoundBroadcaster = streamBroadcaster;
  if (config.natsUrl) {
    const nats = await NatsBroadcaster.connect(config.natsUrl);
    broadcaster = new FanoutBroadcaster([nats, streamBroadcaster]);
    logger.info({ natsUrl: config.natsUrl }, 'round announcements on NATS JetStream and the WatchRounds stream');
  } else {
    logger.info('no NATS URL configured: round announcements on the WatchRounds gRPC stream only');
  }
  const clients = new ClientRegistry(config.clientTimeoutMs);
  const manager = new RunManager({ broadcaster, clients, runtime, clock, logger });
  const { server, port } = await startGrpcServer({
    host: config.host,
    port: config.port,
    transport: config.transport,
    logger,
    deps: { manager, clients, streamBroadcaster, clock, logger, heartbeatIntervalMs: config.heartbeatIntervalMs, onModelStreamed: hooks.onModelStreamed },
  });
  const address = `${config.host}:${port}`;
  logger.info({ address }, 'coordinator listening');
  return {
    address,
    port,
    manager,
    broadcast: broadcaster.name,
    async close() {
      await manager.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await broadcaster.close();
      runtime.dispose();
    },
  };
}
