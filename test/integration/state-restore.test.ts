import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitFor, waitForRound } from '../helpers/coordinators.js';
import { joinProtocolClients, protocolFixture, update } from '../helpers/protocol.js';

describe('coordinator state in a state directory', () => {
  it('a restarted coordinator resumes the run with the checkpointed global model and server momentum', async () => {
    // Prepare: FedAvgM (η = 1, β = 0.5) from w₀ = [0, 1]; round 1: mean [2, 2] → v₁ = [2, 1], w₁ = [2, 2].
    const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-restore-'));
    const run = { rounds: 3, minClients: 2, strategy: { name: 'fedavgm', serverMomentum: 0.5 } };
    const f = await protocolFixture({ numParams: 2, clients: 2, run, coordinator: { stateDir } });
    const [a, b] = f.clients;
    await a!.link.submitUpdate(update(f, a!, 1, Float32Array.from([1, 1])), MAX_CHUNK_BYTES);
    await b!.link.submitUpdate(update(f, b!, 1, Float32Array.from([3, 3])), MAX_CHUNK_BYTES);
    await waitForRound(f.coordinator, f.runId, 2);
    await f.close();
    assert.equal(f.coordinator.manager.get(f.runId).status().state, 'RUN_STATE_SUSPENDED', 'resumable, not stopped');
    // Execute: a new coordinator on the same state directory; the clients join it.
    const runtime = new FixedModelRuntime(2);
    const second = await startTestCoordinator({ stateDir }, { runtime });
    const clients = await joinProtocolClients(second.address, 2);
    try {
      const s = await waitForRound(second, f.runId, 2);
      assert.equal(s.rounds.length, 1, 'round 1 was kept');
      for (const c of clients)
        await c.link.submitUpdate(
          { ...update(f, c, 2, Float32Array.from([4, 4])), clientId: c.clientId },
          MAX_CHUNK_BYTES,
        );
      await waitForRound(second, f.runId, 3);
      // Assert: v₂ = 0.5·[2, 1] + ([4, 4] − [2, 2]) = [3, 2.5]; w₂ = [2, 2] + v₂ = [5, 4.5]
      assert.deepEqual([...runtime.evaluated[0]!.values], [5, 4.5]);
    } finally {
      clients.forEach((c) => c.link.close());
      await second.close();
    }
  });

  it('without a state directory, a shutdown stops the run and says it cannot resume', async () => {
    const f = await protocolFixture({ numParams: 2, clients: 1, run: { rounds: 2, minClients: 1 } });
    await f.close();
    const s = f.coordinator.manager.get(f.runId).status();
    assert.equal(s.state, 'RUN_STATE_STOPPED');
    assert.match(s.error, /without a state directory the run cannot resume/);
  });

  it('a run whose checkpoint is gone is marked failed with the reason; the coordinator still starts', async () => {
    // Prepare
    const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-restore-'));
    const f = await protocolFixture({
      numParams: 2,
      clients: 2,
      run: { rounds: 3, minClients: 2 },
      coordinator: { stateDir },
    });
    for (const c of f.clients) await c.link.submitUpdate(update(f, c, 1, Float32Array.from([1, 1])), MAX_CHUNK_BYTES);
    await waitForRound(f.coordinator, f.runId, 2);
    await f.close();
    rmSync(join(stateDir, 'checkpoints'), { recursive: true });
    // Execute
    const third = await startTestCoordinator({ stateDir }, { runtime: new FixedModelRuntime(2) });
    try {
      // Assert
      const s = await waitFor('restored run', () =>
        third.manager
          .list()
          .find((r) => r.runId === f.runId)
          ?.status(),
      );
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(s.error, /cannot resume: checkpoint of round 1 .* is missing/);
      assert.equal(s.rounds.length, 1);
    } finally {
      await third.close();
    }
  });
});
