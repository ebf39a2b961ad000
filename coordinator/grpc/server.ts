import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { grpcServerOptions, serverCredentials, type ServerTlsConfig, type TransportConfig } from '../../shared/config/index.js';
import { ServiceUnavailableError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { loadFedsiftProto } from '../../shared/proto/index.js';
import type { RunManager } from '../rounds/index.js';
import { adminService } from './admin-service.js';
import { coordinatorService, type CoordinatorServiceDeps } from './coordinator-service.js';

/** A started gRPC server and the port it bound. */
export interface StartedGrpcServer {
  server: Server;
  port: number;
  health: HealthImplementation;
}

/**
 * Binds the Coordinator, Admin and grpc.health.v1 services on host:port (port 0 picks a free one), with fedsift's
 * message-size and keepalive policy, with TLS (mutual when `tls.clientCaFile` is set) or, when `tls` is null, plain text.
 * @throws {ServiceUnavailableError} when the address cannot be bound (in use, unknown host); {ConfigError} for an
 *         unreadable certificate or key.
 */
export async function startGrpcServer(opts: {
  host: string;
  port: number;
  transport: TransportConfig;
  tls: ServerTlsConfig | null;
  deps: CoordinatorServiceDeps & { manager: RunManager };
  logger: Logger;
}): Promise<StartedGrpcServer> {
  const creds = serverCredentials(opts.tls);
  const proto = loadFedsiftProto();
  const server = new Server(grpcServerOptions(opts.transport));
  server.addService(proto.coordinatorService, coordinatorService(opts.deps));
  server.addService(proto.adminService, adminService(opts.deps.manager, opts.deps.access, opts.logger));
  const health = new HealthImplementation({ '': 'SERVING', 'fedsift.v1.Coordinator': 'SERVING', 'fedsift.v1.Admin': 'SERVING' });
  health.addToServer(server);
  const address = `${opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, creds, (err, p) =>
      err ? reject(new ServiceUnavailableError(`cannot listen for gRPC on ${address}: ${err.message.split('\n')[0]}`, { cause: err, field: 'port' })) : resolve(p),
    ),
  );
  return { server, port, health };
}
