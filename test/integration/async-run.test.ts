import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { asyncFixture, dispatchOf, startAsyncRun, submit } from '../helpers/async-runs.js';
import { waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { refusal, type TestClient } from '../helpers/protocol.js';

/**
 * Both clients are dispatched from round 1; a's updates `first` and `second` (from rounds 1 and 2) make versions 1
 * and 2 while b still trains. @returns b's dispatch id from round 1.
 */
async function twoVersionsWhileBTrains(
  f: Awaited<ReturnType<typeof asyncFixture>>,
  runId: string,
  first: number[],
  second: number[],
): Promise<number> {
  const [a, b] = f.clients as [TestClient, TestClient];
  const dB1 = await dispatchOf(f.heard, b, 1);
  await submit(runId, a, 1, await dispatchOf(f.heard, a, 1), first);
  await submit(runId, a, 2, await dispatchOf(f.heard, a, 2), second);
  await waitForRound(f.coordinator, runId, 3);
  return dB1;
}

describe('asynchronous run (FedBuff) through the coordinator', () => {
  it('refuses an update past maxStaleness with ABORTED naming the current round', async () => {
    // Prepare: maxStaleness 1; a's updates make versions 1 and 2 while b trains from round 1
    const f = await asyncFixture(2);
    try {
      const { runId } = await startAsyncRun(f.coordinator, 2, 5, 1);
      const dB1 = await twoVersionsWhileBTrains(f, runId, [1, 1], [2, 2]);
      // Execute: b's update from round 1 is 2 versions old
      const err = await refusal(submit(runId, f.clients[1]!, 1, dB1, [5, 5]));
      // Assert
      assert.equal(err?.code, status.ABORTED, String(err));
      assert.match(err.details, /2 versions old, past async\.maxStaleness \(1\); current round is 3/);
      assert.equal(f.coordinator.manager.get(runId).status().rounds.length, 2, 'b folded into nothing');
      await dispatchOf(f.heard, f.clients[1]!, 3); // the refusal ended b's dispatch: b trains again, from round 3
    } finally {
      await f.close();
    }
  });

  it('refuses the model of a dispatch past maxStaleness with ABORTED and dispatches the client again', async () => {
    // Prepare: maxStaleness 1; a's updates make versions 1 and 2 while b has not fetched its round-1 model yet
    const f = await asyncFixture(2);
    const b = f.clients[1]!;
    try {
      const { runId } = await startAsyncRun(f.coordinator, 2, 5, 1);
      await twoVersionsWhileBTrains(f, runId, [1, 1], [2, 2]);
      // Execute
      const err = await refusal(b.link.fetchModel(runId, 1, b.clientId));
      // Assert: b is free again, dispatched from the current round
      assert.equal(err?.code, status.ABORTED, String(err));
      assert.match(err.details, /current round is 3/);
      await dispatchOf(f.heard, b, 3);
    } finally {
      await f.close();
    }
  });

  it('folds an update from version v−2 scaled by s(2) = 1/√3 onto the current version, observing τ = 0, 0, 2 (hand-computed)', async () => {
    // Prepare: w₀ = [0, 1]; a's updates [2, 3] and [4, 5] make versions 1 and 2 (τ = 0: taken as they are)
    const f = await asyncFixture(2);
    try {
      const { runId } = await startAsyncRun(f.coordinator, 2, 3, 2);
      const dB1 = await twoVersionsWhileBTrains(f, runId, [2, 3], [4, 5]);
      // Execute: b's update trained from w₀ arrives at version 2 (τ = 2)
      await submit(runId, f.clients[1]!, 1, dB1, [3, 1]);
      const s = await waitForRunState(f.coordinator, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: w₃ = w₂ + (1/√3)·(x − w₀) = [4 + 3/√3, 5 + 0] = [5.7320508, 5]
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(
        f.runtime.evaluated.slice(0, 2).map((w) => [...w.values]),
        [
          [2, 3],
          [4, 5],
        ],
      );
      assertClose(f.runtime.evaluated[2]!.values, [5.7320508, 5], 1e-6);
      assert.deepEqual(
        s.rounds.map((r) => r.clientMetrics.staleness_mean),
        [0, 0, 2],
        'the staleness each version saw',
      );
      const histogram = await f.coordinator.metrics.registry.getSingleMetricAsString('fedsift_update_staleness');
      assert.match(histogram, new RegExp(`fedsift_update_staleness_count\\{run="${runId}"\\} 3$`, 'm'));
      assert.match(histogram, new RegExp(`fedsift_update_staleness_sum\\{run="${runId}"\\} 2\n`));
    } finally {
      await f.close();
    }
  });

  it("applies FedAvgM's server step once per version (hand-computed)", async () => {
    // Prepare: FedAvgM η = 1, β = 0.5 from w₀ = [0, 1]
    const f = await asyncFixture(2);
    try {
      const strategy = { name: 'fedavgm', serverMomentum: 0.5 };
      const { runId } = await startAsyncRun(f.coordinator, 2, 3, 2, { strategy });
      // Execute: a's updates [2, 3] and [4, 5] make versions 1 and 2
      await twoVersionsWhileBTrains(f, runId, [2, 3], [4, 5]);
      // Assert: Δ₁ = [2, 2], v₁ = [2, 2], w₁ = [2, 3]; Δ₂ = [4, 5] − w₁ = [2, 2], v₂ = 0.5·v₁ + Δ₂ = [3, 3], w₂ = [5, 6]
      assert.deepEqual(
        f.runtime.evaluated.slice(0, 2).map((w) => [...w.values]),
        [
          [2, 3],
          [5, 6],
        ],
      );
    } finally {
      await f.close();
    }
  });

  it('resumes after a restart at the last committed version and folds a re-sent update only once', async () => {
    // Prepare: a's update makes version 1, committed; the coordinator stops (resumable)
    const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-async-restore-'));
    const f = await asyncFixture(2, { stateDir });
    const [a, b] = f.clients as [TestClient, TestClient];
    const { runId } = await startAsyncRun(f.coordinator, 2, 3, 2);
    const dA1 = await dispatchOf(f.heard, a, 1);
    const dB1 = await dispatchOf(f.heard, b, 1);
    await submit(runId, a, 1, dA1, [2, 3]);
    await waitForRound(f.coordinator, runId, 2);
    await f.close();
    // Execute: a second coordinator on the same state; a re-sends its folded update (its ack was lost), b sends the
    // update of its dispatch from before the restart, then both train from the resumed version
    const g = await asyncFixture(2, { stateDir });
    const [a2, b2] = g.clients as [TestClient, TestClient];
    try {
      const resumed = await waitForRound(g.coordinator, runId, 2);
      const resent = await submit(runId, a2, 1, dA1, [2, 3]);
      const orphan = await refusal(submit(runId, b2, 1, dB1, [9, 9]));
      await submit(runId, a2, 2, await dispatchOf(g.heard, a2, 2), [4, 5]);
      await submit(runId, a2, 3, await dispatchOf(g.heard, a2, 3), [6, 7]);
      const s = await waitForRunState(g.coordinator, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: version 1 was kept; the re-send was acknowledged, not folded; b's orphan update refused (ABORTED);
      // versions 2 and 3 are a's updates alone (τ = 0), one update each
      assert.equal(resumed.rounds.length, 1);
      assert.match(resent.message, /already accepted/);
      assert.equal(orphan?.code, status.ABORTED, String(orphan));
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(
        s.rounds.map((r) => r.responded),
        [1, 1, 1],
      );
      assert.deepEqual(
        g.runtime.evaluated.map((w) => [...w.values]),
        [
          [4, 5],
          [6, 7],
        ],
      );
    } finally {
      await g.close();
    }
  });

  it('fails the dispatch of a client that stops heartbeating, and the run once maxRoundAttempts × bufferSize did', async () => {
    // Prepare: one client, client timeout 1 s; one failed dispatch is the limit (maxRoundAttempts 1 × bufferSize 1)
    const f = await asyncFixture(1, { heartbeatIntervalMs: 200, clientTimeoutMs: 1_000 });
    try {
      const run = await f.coordinator.manager.startRun({
        mode: 'async',
        async: { bufferSize: 1, maxConcurrency: 1 },
        rounds: 2,
        clientsPerRound: 1,
        minClients: 1,
        maxRoundAttempts: 1,
        model: 'mlp',
      });
      await dispatchOf(f.heard, f.clients[0]!, 1);
      // Execute: the dispatched client falls silent (its link closes) long before the 60 s dispatch deadline
      f.clients[0]!.link.close();
      const s = await waitForRunState(f.coordinator, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(
        s.error,
        /round 1: 1 dispatches ended without an update .*client lost: no heartbeat for over 1000 ms/,
      );
    } finally {
      await f.close();
    }
  });

  it('replays a site its own dispatch when its WatchRounds stream reconnects after a later batch', async () => {
    // Prepare: a and b dispatched in batch 1; b's update makes version 1 and b alone is dispatched again
    const f = await asyncFixture(2);
    const [a, b] = f.clients as [TestClient, TestClient];
    try {
      const { runId } = await startAsyncRun(f.coordinator, 2, 5, 2);
      const dA1 = await dispatchOf(f.heard, a, 1);
      await submit(runId, b, 1, await dispatchOf(f.heard, b, 1), [1, 1]);
      await dispatchOf(f.heard, b, 2);
      // Execute: a opens a new stream
      const heard: RoundAnnouncement[] = [];
      const watch = a.link.watchRounds(a.clientId);
      watch.on('data', (x: RoundAnnouncement) => heard.push(x));
      watch.on('error', () => undefined);
      try {
        // Assert: a hears its dispatch (batch dA1, round 1) besides the run's latest announcement (b's batch)
        const own = await dispatchOf(heard, a, 1);
        assert.equal(own, dA1);
        await waitFor("the run's latest announcement", () => heard.find((x) => x.round === 2));
      } finally {
        watch.cancel();
      }
    } finally {
      await f.close();
    }
  });
});
