import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { HealthImplementation } from 'grpc-health-check';
import { grpcServerOptions, type TransportConfig } from '../../shared/config/index.js';
import { serverCredentials, type CertificateFiles } from '../../shared/tls/index.js';
import { ServiceUnavailableError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { loadFedsiftProto } from '../../shared/proto/index.js';
import type { RunManager } from '../rounds/index.js';
import { adminService } from './admin-service.js';
import { coordinatorService, type CoordinatorServiceDeps } from './coordinator-service.js';
import { LeaderGate, type ServingState } from './leader-gate.js';

/** A started gRPC server and the port it bound. */
export interface StartedGrpcServer {
  server: Server;
  port: number;
  health: HealthImplementation;
  /**
   * Says whether the services serve, to health checkers (grpc.health.v1: '' and each service, SERVING or
   * NOT_SERVING); on false, also ends the open Coordinator and Admin streams with the standby's refusal. Calls are
   * admitted by `state.serving()` itself, at once.
   */
  setServing(serving: boolean): void;
}

/** The names grpc.health.v1 answers for: the whole server ('') and each fedsift service. */
const HEALTH_SERVICES = ['', 'fedsift.v1.Coordinator', 'fedsift.v1.Admin'] as const;

/**
 * Binds the Coordinator, Admin and grpc.health.v1 services on host:port (port 0 picks a free one), with fedsift's
 * message-size and keepalive policy, with TLS from `certificates` (mutual when they hold a CA; a renewed certificate
 * serves the connections accepted after it) or, when `certificates` is null, plain text. Coordinator and Admin calls
 * are answered only while `state.serving()` (the leader, its runs loaded); a standby refuses them UNAVAILABLE with
 * NotLeaderError naming the leader (LeaderGate). Health starts as `state.serving()` says; see setServing.
 * @throws {ServiceUnavailableError} when the address cannot be bound (in use, unknown host).
 */
export async function startGrpcServer(opts: {
  host: string;
  port: number;
  transport: TransportConfig;
  /** grpc-js server interceptors (none by default). */
  interceptors?: ServerInterceptor[];
  certificates: CertificateFiles | null;
  deps: CoordinatorServiceDeps & { manager: RunManager };
  state: ServingState;
  logger: Logger;
}): Promise<StartedGrpcServer> {
  const creds = serverCredentials(opts.certificates);
  const proto = loadFedsiftProto();
  const server = new Server({ ...grpcServerOptions(opts.transport), interceptors: opts.interceptors ?? [] });
  const gate = new LeaderGate(opts.state, (err) => opts.logger.error({ err }, 'unexpected error refusing a call'));
  const admin = adminService(opts.deps.manager, opts.deps.access, opts.logger);
  server.addService(proto.coordinatorService, gate.wrap(proto.coordinatorService, coordinatorService(opts.deps)));
  server.addService(proto.adminService, gate.wrap(proto.adminService, admin));
  const status = (serving: boolean) => (serving ? 'SERVING' : 'NOT_SERVING');
  const health = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((name) => [name, status(opts.state.serving())])),
  );
  health.addToServer(server);
  const setServing = (serving: boolean) => {
    for (const name of HEALTH_SERVICES) health.setStatus(name, status(serving));
    if (!serving) gate.refuseOpenStreams();
  };
  const port = await listen(server, `${opts.host}:${opts.port}`, creds, opts.transport, opts.logger);
  return { server, port, health, setServing };
}

/**
 * Stops `server`: lets open calls finish for up to `graceMs` (clients keep WatchRounds streams open for ever), then
 * cuts the rest.
 */
export async function shutdownServer(server: Server, graceMs: number): Promise<void> {
  const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  if ((await Promise.race([graceful.then(() => true), sleep(graceMs).then(() => false)])) === false)
    server.forceShutdown();
}

/**
 * Binds `server` on `address` (port 0 picks a free one) with `creds` and raises its HTTP/2 receive window to the
 * transport's flowControlWindowBytes (raiseReceiveWindow). @returns the bound port.
 * @throws {ServiceUnavailableError} (field `port`) when the address cannot be bound (in use, unknown host).
 */
export async function listen(
  server: Server,
  address: string,
  creds: ServerCredentials,
  transport: TransportConfig,
  logger: Logger,
): Promise<number> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, creds, (err, p) =>
      err
        ? reject(
            new ServiceUnavailableError(`cannot listen for gRPC on ${address}: ${err.message.split('\n')[0]}`, {
              cause: err,
              field: 'port',
            }),
          )
        : resolve(p),
    ),
  );
  raiseReceiveWindow(server, transport.flowControlWindowBytes, logger);
  return port;
}

/**
 * Advertises a `bytes` HTTP/2 receive window (per stream and per connection) on every session the server accepts, so
 * clients upload updates without waiting for a WINDOW_UPDATE every 64 KiB. grpc-js 1.14 reads its
 * `grpc-node.flow_control_window` option on the client only (grpc/grpc-node PR #3058 adds the server), so this reaches
 * the server's HTTP/2 listeners, which grpc-js keeps in a private map; when a grpc-js release renames it, the window
 * stays at Node's default and a warning says so (test/integration/flow-control checks it applies).
 */
export function raiseReceiveWindow(server: Server, bytes: number, logger: Logger): void {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(listeners instanceof Map)) {
    logger.warn('this grpc-js exposes no HTTP/2 listeners: the server keeps the default 64 KiB receive window');
    return;
  }
  for (const listener of listeners.keys()) {
    listener.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: bytes });
      session.setLocalWindowSize(bytes);
    });
  }
}
