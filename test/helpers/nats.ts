import { connect } from '@nats-io/transport-node';

/** The machine's shared NATS server (JetStream); .ci/run makes sure it is up. */
export const NATS_URL = process.env.FEDSIFT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Fails (never skips) when the NATS server is not reachable: the NATS tests must really talk to it.
 * @throws with a hint to start it.
 */
export async function requireNats(): Promise<void> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3000 });
    await nc.close();
  } catch (err) {
    throw new Error(`NATS is not reachable at ${NATS_URL} (${(err as Error).message}); start it (see README "Tests") or run .ci/run`);
  }
}
