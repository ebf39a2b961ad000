import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { logLines, spawnClient, type ClientProcess } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { deleteModelObjects, deleteRoundsStreams, NATS_URL, requireNats, testFederationId } from '../helpers/nats.js';
import { scrape, valueOf } from '../helpers/prometheus.js';

/**
 * A coordinator and 3 real client daemon processes, each with its Dirichlet(0.5) share of the 8,000 training digits.
 * With NATS, the federation has an id of its own, and close() deletes its stream and model objects.
 */
async function federation(
  natsUrl?: string,
): Promise<{ coordinator: Coordinator; clients: ClientProcess[]; close(): Promise<void> }> {
  const federationId = testFederationId('run');
  const coordinator = await startTestCoordinator({ natsUrl, federationId });
  const clients = [0, 1, 2].map((i) => spawnClient(coordinator.address, i, 3, natsUrl));
  return {
    coordinator,
    clients,
    async close() {
      await Promise.all(clients.map((c) => stopChild(c.child)));
      await coordinator.close();
      if (natsUrl) await Promise.all([deleteRoundsStreams(federationId), deleteModelObjects(federationId)]);
    },
  };
}

async function threeRounds(f: Awaited<ReturnType<typeof federation>>) {
  const run = await f.coordinator.manager.startRun({
    rounds: 3,
    clientsPerRound: 3,
    minClients: 3,
    minAvailableClients: 3,
    localEpochs: 1,
    model: 'cnn',
    seed: 1,
    roundDeadlineMs: 120_000,
  });
  return waitForRunState(f.coordinator, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
}

describe('federated training with real client daemons on real MNIST digits', () => {
  const open: { close(): Promise<void> }[] = [];
  after(() => Promise.all(open.map((f) => f.close())));

  it('completes 3 rounds with rising test accuracy, announcements over the WatchRounds stream (no NATS)', async () => {
    const f = await federation();
    open.push(f);
    const s = await threeRounds(f);
    const acc = s.rounds.map((r) => r.testAccuracy);
    assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
    assert.equal(f.coordinator.broadcast, 'grpc-stream');
    assert.deepEqual(
      s.rounds.map((r) => r.responded),
      [3, 3, 3],
    );
    assert.ok(acc[2]! > acc[0]!, `accuracy ${acc.join(' → ')}`);
    assert.ok(acc[2]! > 0.85, `final accuracy ${acc[2]}`);
    assert.ok(s.rounds.every((r) => Number.isFinite(r.federatedAccuracy) && Number.isFinite(r.trainLoss)));
    assert.ok(f.clients.every((c) => c.stderr().includes('"source":"grpc-stream"')));
  });

  it('does the same with announcements over the real NATS server (JetStream)', async () => {
    await requireNats();
    const f = await federation(NATS_URL);
    open.push(f);
    const onNats = (log: string) =>
      log.includes('"source":"nats+grpc-stream"') && log.includes('listening for rounds on NATS');
    await waitFor(
      'clients listening on NATS',
      () => (f.clients.every((c) => onNats(c.stderr())) ? true : undefined),
      60_000,
    );
    const s = await threeRounds(f);
    const acc = s.rounds.map((r) => r.testAccuracy);
    assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
    assert.equal(f.coordinator.broadcast, 'nats+grpc-stream');
    assert.deepEqual(
      s.rounds.map((r) => r.responded),
      [3, 3, 3],
    );
    assert.ok(acc[2]! > acc[0]!, `accuracy ${acc.join(' → ')}`);
    // the daemons read every global model from the NATS object store: the coordinator put each once, streamed none
    const metrics = await scrape(`http://127.0.0.1:${f.coordinator.httpPort}/metrics`);
    const run = { run: s.runId };
    assert.equal(valueOf(metrics, 'fedsift_sent_bytes_total', run) ?? 0, 0);
    assert.ok(valueOf(metrics, 'fedsift_model_object_bytes_total', run)! > 0);
    const fellBack = (c: ClientProcess) =>
      logLines(c.stderr(), 'global model not read from NATS: fetching it over gRPC');
    assert.deepEqual(f.clients.flatMap(fellBack), []);
  });
});
