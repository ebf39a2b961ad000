import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { ServiceUnavailableError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';

/** A listening HTTP server. */
export interface StartedHttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a Hono app on host:port (0 = a free port).
 * @param field config field named in the error when the port cannot be bound.
 * @throws {ServiceUnavailableError} when the address cannot be bound (in use, unknown host).
 */
export function startHttpServer(
  host: string,
  port: number,
  app: Hono,
  logger: Logger,
  field: string,
): Promise<StartedHttpServer> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      logger.info({ url: `http://${host}:${info.port}/` }, 'HTTP listening');
      resolve({ port: info.port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
    server.once('error', (err: Error) =>
      reject(
        new ServiceUnavailableError(`cannot listen for HTTP on ${host}:${port}: ${err.message}`, { cause: err, field }),
      ),
    );
  });
}
