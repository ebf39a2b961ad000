import { randomUUID } from 'node:crypto';
import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { CoordinatorAddresses, CoordinatorLink } from '../../client-node/link/index.js';
import { grpcServerOptions, type AggregatorConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { loadFedsiftProto } from '../../shared/proto/index.js';
import { CertificateFiles, serverCredentials } from '../../shared/tls/index.js';
import { AccessControl } from '../auth/index.js';
import { StreamBroadcaster } from '../broadcast/index.js';
import { ClientRegistry } from '../clients/index.js';
import { coordinatorService, listen, shutdownServer, UploadGate } from '../grpc/index.js';
import { RelayRuns } from './relay-runs.js';
import { SubFleetRelay } from './sub-fleet-relay.js';
import { Upstream } from './upstream.js';

/** How long close() lets open calls finish before cutting them (ms). */
const SHUTDOWN_GRACE_MS = 1_000;

/** A running aggregator (`fedsift aggregator`). */
export interface Aggregator {
  /** host:port its clients join. */
  readonly address: string;
  readonly port: number;
  /** Its client id at the upstream coordinator. */
  readonly upstreamClientId: string;
  /** Its clients that joined and heartbeat within the client timeout. */
  liveClients(): number;
  /** Resolves when another process took the aggregator's site at the upstream over (it should then stop). */
  readonly cutOff: Promise<void>;
  /**
   * Aborts open local attempts, stops heartbeating upstream (the upstream fails the aggregator when its heartbeats
   * lapse, clientTimeoutMs) and stops the server. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Composition root of a middle-tier aggregator (issue: hierarchical aggregation; NVIDIA FLARE's and Flower's
 * hierarchical deployments): joins the upstream coordinator as one participant (Upstream), then serves the
 * Coordinator service and grpc.health.v1 to its own clients, exactly as a coordinator does (same Join, auth, TLS,
 * chunked transfers, intake checks), over the runs it relays (RelayRuns, SubFleetRelay). No Admin service: runs are
 * started and watched at the upstream. It joins the upstream before it listens (its clients are told the upstream's
 * federation) and hears rounds once it listens. Announcements reach its clients on WatchRounds.
 * @throws what Upstream.start throws (the upstream refused the aggregator, or was unreachable past connectTimeoutMs);
 *         {ServiceUnavailableError} when its address cannot be bound; {ConfigError} for unreadable TLS files.
 */
export async function startAggregator(config: AggregatorConfig, logger: Logger): Promise<Aggregator> {
  const up = config.upstream;
  if (!config.tls) logger.warn('PLAIN TEXT: gRPC to the clients without TLS, as asked (insecure)');
  if (!up.tls) logger.warn('PLAIN TEXT: gRPC to the upstream coordinator without TLS, as asked (insecure)');
  const access = AccessControl.fromConfig(config.auth, Boolean(config.tls?.clientCaFile), logger);
  const certificates = config.tls && CertificateFiles.forServer(config.tls, logger);
  const upstreamCertificates = up.tls && CertificateFiles.forClient(up.tls, logger);
  const addresses = await CoordinatorAddresses.resolve(up.coordinator, logger);
  const link = new CoordinatorLink(addresses, up.transport, { token: up.token, tls: upstreamCertificates });
  const upstream = new Upstream(up, link, logger.child({ upstream: up.coordinator }));
  const aggregatorId = randomUUID();
  const clients = new ClientRegistry(config.clientTimeoutMs);
  const broadcaster = new StreamBroadcaster();
  const runs = new RelayRuns();
  const relay = new SubFleetRelay({ config, aggregatorId, clients, broadcaster, runs, upstream, logger });
  await upstream.start(); // the federation its clients are told on Join is the upstream's
  const proto = loadFedsiftProto();
  const server = new Server(grpcServerOptions(config.transport));
  server.addService(
    proto.coordinatorService,
    coordinatorService({
      coordinatorId: aggregatorId,
      get federationId(): string {
        return upstream.federationId;
      },
      manager: runs,
      clients,
      access,
      uploads: new UploadGate(config.uploadBufferBytes),
      streamBroadcaster: broadcaster,
      clock: { now: () => Date.now() },
      logger,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    }),
  );
  new HealthImplementation({ '': 'SERVING', 'fedsift.v1.Coordinator': 'SERVING' }).addToServer(server);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown());
  const shutdown = async () => {
    relay.close();
    await upstream.close();
    await shutdownServer(server, SHUTDOWN_GRACE_MS);
    await broadcaster.close();
  };
  let port: number;
  try {
    port = await listen(
      server,
      `${config.host}:${config.port}`,
      serverCredentials(certificates),
      config.transport,
      logger,
    );
  } catch (err) {
    await close();
    throw err;
  }
  upstream.listen((a) => relay.hear(a)); // only now: a relayed round may select clients from the first one
  const address = `${config.host}:${port}`;
  logger.info({ address, upstream: link.address, upstreamClientId: upstream.clientId }, 'aggregator listening');
  return {
    address,
    port,
    upstreamClientId: upstream.clientId,
    cutOff: upstream.cutOff,
    liveClients: () => clients.live(Date.now()).length,
    close,
  };
}
