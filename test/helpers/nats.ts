import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { MODEL_OBJECTS_BUCKET, modelObjectName, roundsStream } from '../../shared/contract/index.js';
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
 * that stop and restart NATS, need it without JetStream, or with at most `maxFileStoreBytes` of JetStream storage
 * (a config file in storeDir then); the machine's shared server on 4222 is never touched. Resolves once it accepts
 * connections.
 */
export async function startPrivateNats(
  port: number,
  storeDir: string | null,
  maxFileStoreBytes?: number,
): Promise<ChildProcess> {
  let jetstream = storeDir === null ? [] : ['-js', '-sd', storeDir];
  if (storeDir !== null && maxFileStoreBytes !== undefined) {
    const config = join(storeDir, 'nats.conf');
    const store = JSON.stringify(join(storeDir, 'jetstream'));
    writeFileSync(config, `jetstream { store_dir: ${store}, max_file_store: ${maxFileStoreBytes} }\n`);
    jetstream = ['-c', config];
  }
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

/** Runs `use` on the shared server's model bucket (`fedsift-models`), created when missing, then disconnects. */
export async function withModelBucket<T>(use: (store: ObjectStore) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: NATS_URL, timeout: 3000 });
  try {
    return await use(await new Objm(nc).create(MODEL_OBJECTS_BUCKET));
  } finally {
    await nc.close();
  }
}

/** The rounds among 1…lastRound whose model objects a run has in the shared bucket (looked up by name). */
export function modelObjectRounds(federationId: string, runId: string, lastRound: number): Promise<number[]> {
  return withModelBucket(async (store) => {
    const rounds: number[] = [];
    for (let round = 1; round <= lastRound; round++) {
      const info = await store.info(modelObjectName(federationId, runId, round));
      if (info && !info.deleted) rounds.push(round);
    }
    return rounds;
  });
}

/**
 * Deletes the model objects of a federation from the shared bucket (what a test's coordinators left: a suspended
 * run's). Lists the bucket: call it once nothing writes to the bucket any more.
 */
export function deleteModelObjects(federationId: string): Promise<void> {
  return withModelBucket(async (store) => {
    const ours = (await store.list()).filter((o) => o.name.startsWith(`${federationId}/`)); // see modelObjectName
    for (const { name } of ours) await store.delete(name);
  });
}
