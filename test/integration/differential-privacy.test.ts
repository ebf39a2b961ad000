import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AdminClient } from '../../coordinator/operator/index.js';
import { SqliteRunStore, writeCheckpoint } from '../../coordinator/store/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { RdpAccountant } from '../../shared/privacy/index.js';
import type { RunStatus } from '../../shared/proto/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import {
  joinProtocolClients,
  protocolFixture,
  refusal,
  retriedRound,
  update,
  type ProtocolFixture,
  type TestClient,
} from '../helpers/protocol.js';

/** ε(δ = 1e-5) after `rounds` rounds of noise multiplier σ sampled at rate q, computed apart from the run. */
function epsilonAfter(rounds: number, sigma: number, q: number): number {
  const accountant = new RdpAccountant();
  accountant.step(sigma, q, rounds);
  return accountant.epsilon(1e-5).epsilon;
}

/**
 * Every client offers an update for `round` (those not selected are refused, as they should be), the selected ones'
 * land: the values are far from the global model, so every update is clipped.
 */
async function playRound(f: Pick<ProtocolFixture, 'runId' | 'runtime'>, clients: TestClient[], round: number) {
  await Promise.all(
    clients.map((c, i) =>
      refusal(
        c.link.submitUpdate(update(f as ProtocolFixture, c, round, Float32Array.from([5 + i, -5])), MAX_CHUNK_BYTES),
      ),
    ),
  );
}

/**
 * Plays round 1 of a 2-round run of 2 clients with `differentialPrivacy` on a first coordinator with a state
 * directory, closes it, and returns the directory, the run id and the round-1 checkpoint stored there.
 */
async function roundOneStored(differentialPrivacy: Record<string, unknown>) {
  const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-dp-restart-'));
  const run = { rounds: 2, minClients: 2, differentialPrivacy };
  const f = await protocolFixture({ numParams: 2, clients: 2, run, coordinator: { stateDir } });
  await playRound(f, f.clients, 1);
  await waitForRound(f.coordinator, f.runId, 2);
  await f.close();
  const store = new SqliteRunStore(stateDir);
  const checkpoint = await store.checkpoint(f.runId, 1);
  await store.close();
  return { stateDir, f: { runId: f.runId }, checkpoint };
}

describe('central differential privacy in a run (real gRPC)', () => {
  it('reports ε growing round by round in run status (Admin GetRun, what run status --json prints) and /metrics', async () => {
    // Prepare: 3 clients, 2 selected per round (q = 2/3), σ = 1, adaptive clipping (σ_b = 1).
    const dp = { noiseMultiplier: 1, adaptiveClipping: { clippedCountStddev: 1 } };
    const run = { rounds: 3, clientsPerRound: 2, minClients: 2, differentialPrivacy: dp };
    const f = await protocolFixture({ numParams: 2, clients: 3, run });
    const admin = new AdminClient(f.coordinator.address);
    try {
      // Execute
      for (const round of [1, 2, 3]) {
        await waitForRound(f.coordinator, f.runId, round);
        await playRound(f, f.clients, round);
      }
      await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      const status: RunStatus = await admin.getRun(f.runId);
      const metrics = await scrape(`http://127.0.0.1:${f.coordinator.httpPort}/metrics`);

      // Assert
      const eps = status.rounds.map((r) => r.dpEpsilon!);
      assert.equal(eps.length, 3);
      for (const [i, e] of eps.entries())
        assert.ok(Math.abs(e - epsilonAfter(i + 1, 1, 2 / 3)) <= 1e-9 * e, `round ${i + 1}: ε ${e}`);
      assert.ok(eps[0]! < eps[1]! && eps[1]! < eps[2]!, `ε grows: ${eps}`);
      assert.equal(status.rounds[0]!.dpClippingNorm, 0.1, 'round 1 clips at initialClippingNorm');
      assert.notEqual(status.rounds[1]!.dpClippingNorm, 0.1, 'adaptive clipping moved C');
      assert.equal(valueOf(metrics, 'fedsift_dp_epsilon', { run: f.runId }), eps[2]);
      assert.equal(valueOf(metrics, 'fedsift_dp_clipping_norm', { run: f.runId }), status.rounds[2]!.dpClippingNorm);
    } finally {
      admin.close();
      await f.close();
    }
  });

  it('ends cleanly after round 1 when round 2 would pass targetEpsilon, saying why', async () => {
    // Prepare: 2 clients, both selected (q = 1), σ = 2: a target between ε after 1 and after 2 rounds.
    const [e1, e2] = [epsilonAfter(1, 2, 1), epsilonAfter(2, 2, 1)];
    const targetEpsilon = (e1 + e2) / 2;
    const dp = { noiseMultiplier: 2, clippingNorm: 1, targetEpsilon };
    const f = await protocolFixture({
      numParams: 2,
      clients: 2,
      run: { rounds: 3, minClients: 2, differentialPrivacy: dp },
    });
    try {
      // Execute
      await playRound(f, f.clients, 1);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);

      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED');
      assert.equal(s.rounds.length, 1);
      assert.match(
        s.error,
        new RegExp(
          `privacy budget reached: ε = ${e1.toPrecision(4)} after round 1 \\(δ = 0.00001\\); round 2 would reach ` +
            `ε = ${e2.toPrecision(4)}, past targetEpsilon ${targetEpsilon}`,
        ),
      );
    } finally {
      await f.close();
    }
  });

  it('local DP accounts one step per attempt opened: a round retried once costs two releases', async () => {
    // Prepare: local DP σ = 1 (per-site multiplier σ/2, q = 1), quorum 3 of 3; attempt 1 gets 2 updates and closes at
    // its deadline, attempt 2 asks the third site.
    const dp = { mode: 'local', noiseMultiplier: 1, clippingNorm: 1 };
    const { f, clients, submit } = await retriedRound({ rounds: 1, differentialPrivacy: dp }, [0.1, 0.2]);
    try {
      const [, , c] = clients;

      // Execute
      await submit(c, 0.3);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);

      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.equal(s.rounds[0]!.attempts, 2);
      const twoReleases = epsilonAfter(2, 0.5, 1);
      assert.ok(Math.abs(s.rounds[0]!.dpEpsilon! - twoReleases) <= 1e-9 * twoReleases, `ε ${s.rounds[0]!.dpEpsilon}`);
      assert.ok(s.rounds[0]!.dpEpsilon! > epsilonAfter(1, 0.5, 1), 'more than one release');
    } finally {
      await f.close();
    }
  });

  it('fails a resumed DP run whose checkpoint lacks its privacy state, naming it, instead of restarting at ε = 0', async () => {
    // Prepare: round 1 on the first coordinator; then its checkpoint is rewritten without the privacy state.
    const { stateDir, f, checkpoint } = await roundOneStored({ noiseMultiplier: 1, clippingNorm: 1 });
    const { privacy, ...stripped } = checkpoint;
    assert.ok(privacy, 'the stored checkpoint had its privacy state');
    writeCheckpoint(join(stateDir, 'checkpoints', f.runId, 'round-1.ckpt'), stripped);

    // Execute: a second coordinator on the same state resumes the run.
    const runtime = new FixedModelRuntime(2);
    const second = await startTestCoordinator({ stateDir }, { runtime });
    const clients = await joinProtocolClients(second.address, 2);
    try {
      const s = await waitForRunState(second, f.runId, ['RUN_STATE_FAILED', 'RUN_STATE_COMPLETED']);

      // Assert
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(
        s.error,
        /checkpoint of round 1 of run .* has no privacy state, but the run sets differentialPrivacy/,
      );
      assert.equal(s.rounds.length, 1);
    } finally {
      clients.forEach((c) => c.link.close());
      await second.close();
    }
  });

  it('keeps the accountant and the adaptive clipping norm across a coordinator restart', async () => {
    // Prepare: round 1 on the first coordinator, with its state directory.
    const dp = { noiseMultiplier: 1, adaptiveClipping: { clippedCountStddev: 1 } };
    const { stateDir, f, checkpoint } = await roundOneStored(dp);
    const stored = checkpoint.privacy!;

    // Execute: a second coordinator on the same state; the clients join it and play round 2.
    const runtime = new FixedModelRuntime(2);
    const second = await startTestCoordinator({ stateDir }, { runtime });
    const clients = await joinProtocolClients(second.address, 2);
    try {
      await waitForRound(second, f.runId, 2);
      await playRound({ runId: f.runId, runtime }, clients, 2);
      const s = await waitForRunState(second, f.runId, ['RUN_STATE_COMPLETED']);

      // Assert: round 2 clipped at the stored C and accounts two rounds, not one.
      assert.equal(stored.history.length, 1);
      assert.notEqual(stored.clippingNorm, 0.1);
      assert.equal(s.rounds[1]!.dpClippingNorm, stored.clippingNorm);
      assert.ok(Math.abs(s.rounds[1]!.dpEpsilon! - epsilonAfter(2, 1, 1)) <= 1e-9 * epsilonAfter(2, 1, 1));
    } finally {
      clients.forEach((c) => c.link.close());
      await second.close();
    }
  });
});
