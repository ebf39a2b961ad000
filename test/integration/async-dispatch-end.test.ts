import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoundClosedError } from '../../shared/errors/index.js';
import { specsToWire, type UpdateHeader } from '../../shared/proto/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import type { UpdateReceiver } from '../../coordinator/rounds/index.js';
import { asyncFixture, dispatchOf, startAsyncRun, submit } from '../helpers/async-runs.js';
import { waitFor, waitForRound } from '../helpers/coordinators.js';
import type { TestClient } from '../helpers/protocol.js';

/**
 * Starts `client`'s upload of [5, 5] for its dispatch `attempt` from `round` through the run's intake (header accepted,
 * buffer taken, bytes received) without completing it. @returns the receiver, and the error its in-flight upload was
 * refused with once that happens (undefined until then).
 */
function startUpload(c: Coordinator, runId: string, client: TestClient, round: number, attempt: number) {
  const specs = [{ name: 'fixed/kernel', shape: [2], dtype: 'float32' as const }];
  const header: UpdateHeader = {
    runId,
    round,
    attempt,
    clientId: client.clientId,
    numExamples: 1,
    metrics: {},
    tensors: specsToWire(specs),
    totalBytes: 8,
    sha256: '',
  };
  const receiver: UpdateReceiver = c.manager.get(runId).receiveUpdate(header);
  const upload = { receiver, refused: undefined as Error | undefined };
  receiver.onRoundClosed((err) => (upload.refused = err));
  const buf = receiver.buffer();
  buf.set(new Uint8Array(Float32Array.from([5, 5]).buffer));
  receiver.received(8);
  return { ...upload, complete: () => receiver.complete(buf, ''), refusal: () => upload.refused };
}

describe('asynchronous run: an upload whose dispatch ended', () => {
  it('is refused (RoundClosedError) when its deadline passed, and the client holds only its new dispatch', async () => {
    // Prepare: 1 s dispatch deadline; b's upload from its first dispatch is under way when the deadline passes
    const f = await asyncFixture(2);
    const [, b] = f.clients as [TestClient, TestClient];
    try {
      const extra = { maxRoundAttempts: 100, roundDeadlineMs: 1_000 };
      const { runId } = await startAsyncRun(f.coordinator, 2, 2, 2, extra);
      const first = await dispatchOf(f.heard, b, 1);
      const upload = startUpload(f.coordinator, runId, b, 1, first);
      // Execute: the deadline ends the dispatch; b is dispatched again; then the old upload completes
      const refused = await waitFor('the in-flight upload refused', upload.refusal);
      const again = await waitFor('b dispatched again', () =>
        f.heard.find((h) => h.attempt > first && h.selectedClientIds.includes(b.clientId)),
      );
      assert.throws(upload.complete, (err: Error) => err instanceof RoundClosedError && /has ended/.test(err.message));
      // Assert: the refusal names the ended dispatch; b's new dispatch takes its update, which alone makes version 1
      assert.ok(refused instanceof RoundClosedError, String(refused));
      assert.match(refused.message, new RegExp(`dispatch ${first} of client ${b.clientId} .*has ended`));
      await submit(runId, b, again.round, again.attempt, [1, 1]);
      const s = await waitForRound(f.coordinator, runId, 2);
      assert.equal(s.rounds[0]!.responded, 1);
      assert.ok(s.rounds[0]!.failures.some((x) => x.clientId === b.clientId && /deadline/.test(x.reason)));
    } finally {
      await f.close();
    }
  });

  it('is refused (RoundClosedError, not a TypeError) after its client was lost and its base model released', async () => {
    // Prepare: client timeout 1 s; b's upload from round 1 is under way when b stops heartbeating
    const f = await asyncFixture(2, { heartbeatIntervalMs: 200, clientTimeoutMs: 1_000 });
    const [a, b] = f.clients as [TestClient, TestClient];
    try {
      const { runId } = await startAsyncRun(f.coordinator, 2, 5, 2);
      const upload = startUpload(f.coordinator, runId, b, 1, await dispatchOf(f.heard, b, 1));
      b.link.close();
      await waitFor('the in-flight upload refused', upload.refusal);
      // Execute: a's updates make versions 1 and 2 (nothing trains from round 1 now: its model is released), then
      // b's old upload completes
      await submit(runId, a, 1, await dispatchOf(f.heard, a, 1), [1, 1]);
      await submit(runId, a, 2, await dispatchOf(f.heard, a, 2), [2, 2]);
      const before = await waitForRound(f.coordinator, runId, 3);
      // Assert
      assert.throws(upload.complete, (err: Error) => err instanceof RoundClosedError && /has ended/.test(err.message));
      assert.deepEqual(
        before.rounds.map((r) => r.responded),
        [1, 1],
      );
      assert.equal(f.coordinator.manager.get(runId).status().rounds.length, 2, 'b folded into nothing');
    } finally {
      await f.close();
    }
  });
});
