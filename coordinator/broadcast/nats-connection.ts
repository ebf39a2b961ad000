import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ServiceUnavailableError } from '../../shared/errors/index.js';

/** A coordinator's NATS connection, reconnecting for ever, and whether it is between a disconnect and a reconnect. */
export interface CoordinatorNats {
  nc: NatsConnection;
  /** True between a disconnect and the reconnect: a publish or a put then would only wait for its timeout. */
  reconnecting(): boolean;
}

/**
 * Connects to `url` as client `name` (shown by the server's monitoring), reconnecting for ever (every 500 ms) when
 * the server goes away, and follows the connection's status.
 * @throws {ServiceUnavailableError} (field `natsUrl`) when the server cannot be reached at start-up.
 */
export async function connectCoordinatorNats(url: string, name: string): Promise<CoordinatorNats> {
  const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 }).catch(
    (err: Error) => {
      throw new ServiceUnavailableError(`NATS unreachable at ${url}: ${err.message}`, { cause: err, field: 'natsUrl' });
    },
  );
  let reconnecting = false;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') reconnecting = true;
      else if (s.type === 'reconnect') reconnecting = false;
    }
  })();
  return { nc, reconnecting: () => reconnecting };
}
