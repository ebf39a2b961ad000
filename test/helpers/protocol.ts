import { credentials, type Client, type ServerInterceptor, type ServiceError } from '@grpc/grpc-js';
import type { Coordinator } from '../../coordinator/main.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { DEFAULT_TRANSPORT, grpcChannelOptions, type TransportConfig } from '../../shared/config/index.js';
import {
  loadFedsiftProto,
  metadataInterceptor,
  SESSION_METADATA_KEY,
  type ClientCapabilities,
} from '../../shared/proto/index.js';
import { MAX_CHUNK_BYTES, type TensorSpec } from '../../shared/codec/index.js';
import { FixedModelRuntime } from './fixed-runtime.js';
import { startTestCoordinator, waitFor, waitForRound } from './coordinators.js';

/** A joined protocol-level test client: the real CoordinatorLink, no training. */
export interface TestClient {
  link: CoordinatorLink;
  clientId: string;
}

/** A coordinator with a fixed-size model, `n` joined clients and one run whose round 1 is open. */
export interface ProtocolFixture {
  coordinator: Coordinator;
  runtime: FixedModelRuntime;
  clients: TestClient[];
  runId: string;
  close(): Promise<void>;
}

/**
 * Starts a coordinator whose model has `numParams` float32 values, joins `n` clients through CoordinatorLink (with
 * `clientTransport`), starts a run selecting all of them, and waits until round 1 is open. With `clientAddress`, the
 * clients connect to the address it returns for the coordinator's (e.g. a relay in front of it) instead.
 * `interceptors` are installed on the coordinator's gRPC server (to watch the calls as they arrive).
 */
export async function protocolFixture(opts: {
  numParams: number;
  clients: number;
  run?: Record<string, unknown>;
  coordinator?: Record<string, unknown>;
  clientTransport?: TransportConfig;
  clientAddress?: (coordinatorAddress: string) => Promise<string>;
  interceptors?: ServerInterceptor[];
}): Promise<ProtocolFixture> {
  const runtime = new FixedModelRuntime(opts.numParams);
  const coordinator = await startTestCoordinator(opts.coordinator ?? {}, { runtime, interceptors: opts.interceptors });
  const address = opts.clientAddress ? await opts.clientAddress(coordinator.address) : coordinator.address;
  const clients = await joinProtocolClients(address, opts.clients, opts.clientTransport);
  const run = await coordinator.manager.startRun({
    rounds: 1,
    clientsPerRound: opts.clients,
    minClients: Math.max(1, opts.clients - 1),
    minAvailableClients: opts.clients,
    roundDeadlineMs: 30_000,
    model: 'mlp',
    ...opts.run,
  });
  await waitForRound(coordinator, run.runId, 1);
  return {
    coordinator,
    runtime,
    clients,
    runId: run.runId,
    async close() {
      clients.forEach((c) => c.link.close());
      await coordinator.close();
    },
  };
}

/**
 * Joins `n` protocol clients (sites `protocol-site-<i>`, 1,000 examples each, MNIST-shaped data) through real
 * CoordinatorLinks; each heartbeats until its link is closed.
 */
export async function joinProtocolClients(
  address: string,
  n: number,
  transport: TransportConfig = DEFAULT_TRANSPORT,
): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < n; i++)
    clients.push(
      await joinProtocolClient(address, `protocol-site-${i}`, { ...TEST_CAPABILITIES, numExamples: 1000 }, transport),
    );
  return clients;
}

/** Joins site `siteId` with `capabilities` through a real CoordinatorLink; it heartbeats until its link is closed. */
export async function joinProtocolClient(
  address: string,
  siteId: string,
  capabilities: ClientCapabilities,
  transport: TransportConfig = DEFAULT_TRANSPORT,
): Promise<TestClient> {
  const link = new CoordinatorLink(address, transport);
  const { clientId } = await link.join({ siteId, token: '', capabilities });
  heartbeatUntilClosed(link, clientId);
  return { link, clientId };
}

/**
 * Heartbeats every 500 ms until the link is closed, as a daemon does: a selected client that falls silent for the
 * coordinator's client timeout fails its round (coordinator/rounds/lost-clients). @returns stop: the client falls
 * silent (as a crashed daemon) while its link stays open.
 */
export function heartbeatUntilClosed(link: CoordinatorLink, clientId: string): () => void {
  const timer = setInterval(() => void link.heartbeat(clientId).catch(() => undefined), 500);
  const close = link.close.bind(link);
  link.close = () => {
    clearInterval(timer);
    close();
  };
  return () => clearInterval(timer);
}

/** An update for `client` in `round` with the given values (specs of the fixed model). */
export function update(f: ProtocolFixture, client: TestClient, round: number, values: Float32Array, numExamples = 1) {
  const specs: TensorSpec[] = f.runtime.specs;
  return {
    runId: f.runId,
    round,
    clientId: client.clientId,
    numExamples,
    metrics: { train_loss: 1 },
    weights: { specs, values },
  };
}

/** Capabilities of a protocol test client: 10 examples, no tfjs, MNIST-shaped data (the built-in models' input). */
export const TEST_CAPABILITIES: ClientCapabilities = {
  numExamples: 10,
  backend: 'none',
  numFeatures: 784,
  numLabelClasses: 10,
  schemaSha256: '',
};

/** The gRPC error a call was refused with, or undefined when it succeeded. */
export function refusal(p: Promise<unknown>): Promise<ServiceError | undefined> {
  return p.then(
    () => undefined,
    (err: ServiceError) => err,
  );
}

/**
 * A plain-text Coordinator stub of raw calls (e.g. a FetchModel read at the test's own pace) that speaks for `link`'s
 * session, as the coordinator requires of every call after Join. Close it after use.
 */
export function rawCoordinatorStub<Calls>(address: string, link: CoordinatorLink): Client & Calls {
  return new (loadFedsiftProto().CoordinatorClient)(address, credentials.createInsecure(), {
    ...grpcChannelOptions(DEFAULT_TRANSPORT),
    interceptors: [metadataInterceptor(SESSION_METADATA_KEY, link.sessionId)],
  }) as unknown as Client & Calls;
}

/**
 * A round that misses its quorum once: 3 clients, quorum 3 of 3, 2 attempts of 1.5 s (plus `run`); the first two
 * clients deliver [v, v] with v from `values` in attempt 1. Returns once attempt 2 is announced (retried, then started),
 * with the run's event kinds so far and `submit`, which sends one client's update [v, v] for round 1.
 */
export async function retriedRound(run: Record<string, unknown>, values: [number, number]) {
  const f = await protocolFixture({
    numParams: 2,
    clients: 3,
    run: { minClients: 3, maxRoundAttempts: 2, roundDeadlineMs: 1_500, ...run },
  });
  const events: string[] = [];
  f.coordinator.manager.on('event', (e) => events.push(e.kind));
  const clients = f.clients as [TestClient, TestClient, TestClient];
  const submit = (x: TestClient, v: number) =>
    x.link.submitUpdate(update(f, x, 1, Float32Array.from([v, v])), MAX_CHUNK_BYTES);
  try {
    await submit(clients[0], values[0]);
    await submit(clients[1], values[1]);
    await waitFor('attempt 2 announced', () => {
      const i = events.indexOf('RUN_EVENT_KIND_ROUND_RETRIED');
      return i >= 0 && events.slice(i).includes('RUN_EVENT_KIND_ROUND_STARTED') ? true : undefined;
    });
  } catch (err) {
    await f.close();
    throw err;
  }
  return { f, events, clients, submit };
}
