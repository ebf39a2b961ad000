import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { failed, passed, skipped, type Outcome } from './checklist.js';

/** Exit code of the README's table for an unreachable service. */
const UNREACHABLE = 3;

/** What the daemon loses when NATS fails, said with each NATS failure. */
const FALLBACK = 'the daemon would still hear rounds over the WatchRounds gRPC stream, without JetStream replay';

/** The NATS server of `--nats-url` accepts a connection and has JetStream (the rounds stream lives there). */
export async function checkNats(url: string | undefined, timeoutMs: number): Promise<Outcome<void>> {
  if (!url) return skipped("no --nats-url: rounds come over the coordinator's WatchRounds gRPC stream");
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, timeout: timeoutMs, name: 'fedsift-preflight' });
  } catch (err) {
    return failed(
      `cannot reach NATS at ${url} (${(err as Error).message}): is nats-server running there, and is that the ` +
        `coordinator's --nats-url? (${FALLBACK})`,
      UNREACHABLE,
    );
  }
  try {
    await jetstreamManager(nc, { timeout: timeoutMs });
    return passed(`${url} accepts connections, JetStream enabled`, undefined);
  } catch (err) {
    return failed(
      `NATS at ${url} has no JetStream (${(err as Error).message}): start nats-server with -js (${FALLBACK})`,
      UNREACHABLE,
    );
  } finally {
    await nc.close();
  }
}
