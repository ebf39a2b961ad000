import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, update, type ProtocolFixture } from '../helpers/protocol.js';

const HOUR_MS = 3_600_000;

/** Both clients submit their update of `round` (all-ones); resolves when both were acknowledged. */
async function bothSubmit(f: ProtocolFixture, round: number): Promise<void> {
  await Promise.all(
    f.clients.map((c) => c.link.submitUpdate(update(f, c, round, new Float32Array(4).fill(1)), MAX_CHUNK_BYTES)),
  );
}

describe('adaptive round deadline (run config adaptiveDeadline)', () => {
  it("announces round 1 with roundDeadlineMs and round 2 with factor × round 1's slowest update, far sooner", async () => {
    // Prepare: a 1-hour roundDeadlineMs; round 2 may take 2 × round 1's slowest update, at least 60 s
    const f = await protocolFixture({
      numParams: 4,
      clients: 2,
      run: { rounds: 2, roundDeadlineMs: HOUR_MS, adaptiveDeadline: { factor: 2, minMs: 60_000 } },
    });
    const heard: { a: RoundAnnouncement; atMs: number }[] = [];
    const watch = f.clients[0]!.link.watchRounds(f.clients[0]!.clientId);
    watch.on('data', (a: RoundAnnouncement) => heard.push({ a, atMs: Date.now() }));
    watch.on('error', () => undefined); // cancelled at the end
    const fit = (round: number) => heard.find(({ a }) => a.phase === 'ROUND_PHASE_FIT' && a.round === round);
    try {
      // Execute: both clients answer both rounds at once (the run never waits for a deadline)
      const round1 = await waitFor('round 1 heard', () => fit(1));
      await bothSubmit(f, 1);
      const round1UpperMs = Date.now() - (round1.a.deadlineUnixMs - HOUR_MS); // ≥ the slowest update the coordinator saw
      await waitForRound(f.coordinator, f.runId, 2);
      const round2 = await waitFor('round 2 heard', () => fit(2));
      await bothSubmit(f, 2);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Check: round 1 had the full hour; round 2 at most max(60 s, 2 × round 1's slowest update) from its announcement
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.ok(round1.a.deadlineUnixMs - round1.atMs > HOUR_MS - 60_000, 'round 1: the full hour');
      const round2Ms = round2.a.deadlineUnixMs - round2.atMs;
      assert.ok(round2Ms <= Math.max(60_000, 2 * round1UpperMs + 1), `round 2's attempt lasts ${round2Ms} ms`);
      assert.ok(round2Ms < HOUR_MS / 2, 'far below roundDeadlineMs');
    } finally {
      watch.cancel();
      await f.close();
    }
  });
});
