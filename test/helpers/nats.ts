import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { roundsStream } from '../../shared/contract/index.js';
import { waitForPort } from './processes.js';

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
    throw new Error(
      `NATS is not reachable at ${NATS_URL} (${(err as Error).message}); start it (see README "Tests") or run .ci/run`,
    );
  }
}

/** Path of the nats-server binary (.ci/run installs Debian's package). */
const NATS_SERVER = process.env.FEDSIFT_NATS_SERVER ?? '/usr/sbin/nats-server';

/**
 * A private nats-server on `port` with JetStream storing in `storeDir` (null: a server without JetStream) — for tests
 * that stop and restart NATS, or need it without JetStream; the machine's shared server on 4222 is never touched.
 * Resolves once it accepts connections.
 */
export async function startPrivateNats(port: number, storeDir: string | null): Promise<ChildProcess> {
  const jetstream = storeDir === null ? [] : ['-js', '-sd', storeDir];
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), ...jetstream], { stdio: 'ignore' });
  await waitForPort(port);
  return child;
}

/** A federation id of its own for one test (`test-<label>-<random>`): runs sharing the NATS server never share a stream. */
export function testFederationId(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes the rounds streams of these federations from the shared server (what a test's coordinators created), and
 * resolves to the names of those that were there.
 */
export async function deleteRoundsStreams(...federationIds: string[]): Promise<string[]> {
  const nc = await connect({ servers: NATS_URL, timeout: 3000 });
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for (const name of federationIds.map(roundsStream))
      if (await jsm.streams.delete(name).catch(() => false)) deleted.push(name);
    return deleted;
  } finally {
    await nc.close();
  }
}
