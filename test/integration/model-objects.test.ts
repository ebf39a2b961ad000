import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GlobalModels, ModelObjectReader, type ModelSource } from '../../client-node/link/index.js';
import type { WriteStats } from '../../coordinator/grpc/index.js';
import { float32ToBytes, MAX_CHUNK_BYTES, sha256Hex } from '../../shared/codec/index.js';
import { modelObjectName } from '../../shared/contract/index.js';
import { silentLogger, type Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { recordingLogger } from '../helpers/logs.js';
import {
  deleteModelObjects,
  deleteRoundsStreams,
  modelObjectRounds,
  NATS_URL,
  requireNats,
  startPrivateNats,
  testFederationId,
  withModelBucket,
} from '../helpers/nats.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import { freePort } from '../helpers/processes.js';
import { joinProtocolClients, type TestClient } from '../helpers/protocol.js';

/** 2,000,000 bytes: two NATS chunks (1 MiB each at most, the server's max_payload). */
const NUM_PARAMS = 500_000;

/** A coordinator with NATS (its own federation) and a fixed model, counting the models it streams over gRPC. */
async function natsCoordinator(federationId: string) {
  const runtime = new FixedModelRuntime(NUM_PARAMS);
  const streamed: WriteStats[] = [];
  const c = await startTestCoordinator(
    { natsUrl: NATS_URL, federationId },
    { runtime, onModelStreamed: (s) => streamed.push(s) },
  );
  return { c, runtime, streamed };
}

/** The SHA-256 of the global model that opens `round`: the initial weights, then the aggregate of the round before. */
async function expectedSha256(runtime: FixedModelRuntime, round: number): Promise<string> {
  const global = round === 1 ? await runtime.initialWeights() : runtime.evaluated[round - 2]!;
  return sha256Hex(float32ToBytes(global.values));
}

/** A site's model source as the daemon builds it when it has NATS: the object store, then FetchModel. */
const modelsOf = (x: TestClient, natsUrl = NATS_URL, logger: Logger = silentLogger()) =>
  new GlobalModels(x.link, new ModelObjectReader(natsUrl), logger);

/** What a client got for one round: where from, the SHA-256 of the weights it got, the announced one. */
interface Fetch {
  round: number;
  source: ModelSource;
  sha256: string;
  announced: string;
}

/**
 * Plays the rounds that select the client, as the daemon does, up to `lastRound`: fetches the model from `models`,
 * submits it + 1 as the update (so every round's model differs).
 */
async function playRounds(x: TestClient, models: GlobalModels, lastRound: number): Promise<Fetch[]> {
  const fetches: Fetch[] = [];
  const call = x.link.watchRounds(x.clientId);
  try {
    for await (const a of call as AsyncIterable<RoundAnnouncement>) {
      if (a.phase === 'ROUND_PHASE_RUN_DONE') break;
      if (a.phase !== 'ROUND_PHASE_FIT' || !a.selectedClientIds.includes(x.clientId)) continue;
      if (fetches.some((f) => f.round === a.round)) continue;
      const { weights, source } = await models.fetch(a, x.clientId);
      fetches.push({
        round: a.round,
        source,
        sha256: sha256Hex(float32ToBytes(weights.values)),
        announced: a.modelSha256,
      });
      const values = weights.values.map((v) => v + 1);
      const update = { runId: a.runId, round: a.round, clientId: x.clientId, numExamples: 1, metrics: {} };
      await x.link.submitUpdate({ ...update, weights: { specs: weights.specs, values } }, MAX_CHUNK_BYTES);
      if (a.round === lastRound) break;
    }
  } finally {
    call.cancel();
  }
  return fetches;
}

/** The announcement of the open round, as WatchRounds gives it first. */
async function currentAnnouncement(x: TestClient): Promise<RoundAnnouncement> {
  const call = x.link.watchRounds(x.clientId);
  try {
    for await (const a of call as AsyncIterable<RoundAnnouncement>) if (a.phase === 'ROUND_PHASE_FIT') return a;
    throw new Error('WatchRounds ended without an announcement');
  } finally {
    call.cancel();
  }
}

describe('global models from the NATS object store (real server at 127.0.0.1:4222)', () => {
  const federations: string[] = [];
  const federation = (label: string) => {
    const id = testFederationId(label);
    federations.push(id);
    return id;
  };
  before(() => requireNats());
  after(async () => {
    await deleteRoundsStreams(...federations);
    for (const f of federations) await deleteModelObjects(f);
  });

  it('10 clients download every round from NATS while the coordinator puts each model once and streams none', async () => {
    // Prepare
    const { c, runtime, streamed } = await natsCoordinator(federation('fanout'));
    const clients = await joinProtocolClients(c.address, 10);
    const models = clients.map((x) => modelsOf(x));
    try {
      const run = await c.manager.startRun({
        rounds: 3,
        clientsPerRound: 10,
        minClients: 10,
        minAvailableClients: 10,
        model: 'mlp',
        roundDeadlineMs: 120_000,
      });
      // Execute
      const fetches = await Promise.all(clients.map((x, i) => playRounds(x, models[i]!, 3)));
      await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED']);
      // Assert: every client got every round's model, from NATS, with the coordinator's hash
      const expected = await Promise.all([1, 2, 3].map((r) => expectedSha256(runtime, r)));
      assert.equal(new Set(expected).size, 3, 'the three rounds have different models');
      for (const f of fetches)
        assert.deepEqual(
          f,
          expected.map((sha256, i) => ({ round: i + 1, source: 'nats', sha256, announced: sha256 })),
        );
      const metrics = await scrape(`http://127.0.0.1:${c.httpPort}/metrics`);
      const modelBytes = NUM_PARAMS * 4;
      assert.equal(streamed.length, 0, 'no FetchModel stream');
      assert.equal(valueOf(metrics, 'fedsift_sent_bytes_total', { run: run.runId }) ?? 0, 0);
      assert.equal(valueOf(metrics, 'fedsift_model_object_bytes_total', { run: run.runId }), 3 * modelBytes);
    } finally {
      await Promise.all(models.map((m) => m.close()));
      clients.forEach((x) => x.link.close());
      await c.close();
    }
  });

  it('falls back to FetchModel, with a log line, when NATS is down, the object is corrupt or missing', async () => {
    // Prepare
    const fed = federation('fallback');
    const { c, runtime, streamed } = await natsCoordinator(fed);
    const [down, corrupt, missing] = (await joinProtocolClients(c.address, 3)) as [TestClient, TestClient, TestClient];
    const { logger, lines } = recordingLogger();
    const models = [modelsOf(down, 'nats://127.0.0.1:1', logger), modelsOf(corrupt, NATS_URL, logger)];
    models.push(modelsOf(missing, NATS_URL, logger));
    try {
      const run = await c.manager.startRun({
        rounds: 1,
        clientsPerRound: 3,
        minClients: 3,
        model: 'mlp',
        roundDeadlineMs: 120_000,
      });
      const a = await currentAnnouncement(down);
      const name = modelObjectName(fed, run.runId, 1);
      const sha256 = await expectedSha256(runtime, 1);
      // Execute: NATS unreachable; then the object replaced by bytes of the same size; then deleted
      const fromDown = await models[0]!.fetch(a, down.clientId);
      await withModelBucket(async (store) => {
        const metadata = (await store.info(name))!.metadata;
        await store.putBlob({ name, metadata }, new Uint8Array(NUM_PARAMS * 4).fill(9));
      });
      const fromCorrupt = await models[1]!.fetch(a, corrupt.clientId);
      await withModelBucket((store) => store.delete(name));
      const fromMissing = await models[2]!.fetch(a, missing.clientId);
      // Assert
      for (const got of [fromDown, fromCorrupt, fromMissing]) {
        assert.equal(got.source, 'grpc');
        assert.equal(got.sha256, sha256);
        assert.equal(sha256Hex(float32ToBytes(got.weights.values)), sha256);
      }
      assert.equal(a.modelSha256, sha256);
      assert.equal(streamed.length, 3, 'each client fetched the model over gRPC');
      const reasons = lines.filter((l) => l.msg === 'global model not read from NATS: fetching it over gRPC');
      assert.equal(reasons.length, 3);
      assert.match(String(reasons[0]!.reason), /connection refused/i);
      assert.match(String(reasons[1]!.reason), new RegExp(`SHA-256 mismatch: declared ${sha256}`));
      assert.match(String(reasons[2]!.reason), new RegExp(`object store: no object ${name} in bucket fedsift-models`));
    } finally {
      await Promise.all(models.map((m) => m.close()));
      [down, corrupt, missing].forEach((x) => x.link.close());
      await c.close();
    }
  });

  it('goes on with the round when JetStream refuses the put (storage full): logged, clients fetch over gRPC', async () => {
    // Prepare: a private server with 1 MB of JetStream storage, half the model
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-nats-full-'));
    const natsUrl = `nats://127.0.0.1:${port}`;
    const nats = await startPrivateNats(port, dir, 1_000_000);
    const { logger, lines } = recordingLogger();
    const runtime = new FixedModelRuntime(NUM_PARAMS);
    const streamed: WriteStats[] = [];
    const c = await startTestCoordinator({ natsUrl }, { runtime, onModelStreamed: (s) => streamed.push(s) }, logger);
    const [x] = (await joinProtocolClients(c.address, 1)) as [TestClient];
    const models = modelsOf(x, natsUrl);
    try {
      const run = await c.manager.startRun({ rounds: 1, clientsPerRound: 1, minClients: 1, model: 'mlp' });
      // Execute
      const [fetch] = await playRounds(x, models, 1);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      const refused = lines.filter(
        (l) => l.msg === 'global model not put into the NATS object store: clients use gRPC',
      );
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.equal(refused.length, 1);
      assert.match(String(refused[0]!.err), /insufficient resources/);
      assert.deepEqual(fetch, { round: 1, source: 'grpc', sha256: fetch!.announced, announced: fetch!.announced });
      assert.equal(streamed.length, 1);
    } finally {
      await models.close();
      x.link.close();
      await c.close();
      nats.kill('SIGKILL');
      await once(nats, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a run's last two rounds' models while it runs, and none once it finished", async () => {
    // Prepare
    const fed = federation('retention');
    const { c } = await natsCoordinator(fed);
    const clients = await joinProtocolClients(c.address, 2);
    const models = clients.map((x) => modelsOf(x));
    try {
      const run = await c.manager.startRun({
        rounds: 6,
        clientsPerRound: 2,
        minClients: 2,
        model: 'mlp',
        roundDeadlineMs: 120_000,
      });
      let round4Announced = false;
      c.manager.on('event', (e) => {
        if (e.kind === 'RUN_EVENT_KIND_ROUND_STARTED' && e.roundNumber === 4) round4Announced = true;
      });
      // Execute: the clients play rounds 1 to 3; round 4 opens and stays open
      await Promise.all(clients.map((x, i) => playRounds(x, models[i]!, 3)));
      await waitFor('round 4 announced', () => (round4Announced ? true : undefined));
      const whileRunning = await modelObjectRounds(fed, run.runId, 6);
      c.manager.get(run.runId).stop();
      await waitForRunState(c, run.runId, ['RUN_STATE_STOPPED']);
      const afterStop = await waitFor(
        'no model object of the stopped run',
        async () => {
          const rounds = await modelObjectRounds(fed, run.runId, 6);
          return rounds.length === 0 ? rounds : undefined;
        },
        30_000,
      );
      // Assert
      assert.deepEqual(whileRunning, [3, 4]);
      assert.deepEqual(afterStop, []);
    } finally {
      await Promise.all(models.map((m) => m.close()));
      clients.forEach((x) => x.link.close());
      await c.close();
    }
  });
});
