import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, update, type ProtocolFixture } from '../helpers/protocol.js';

const HOUR_MS = 3_600_000;

/** `client` submits its update of `round` (all-ones); resolves when it was acknowledged. */
function submit(f: ProtocolFixture, client: number, round: number): Promise<unknown> {
  const c = f.clients[client]!;
  return c.link.submitUpdate(update(f, c, round, new Float32Array(4).fill(1)), MAX_CHUNK_BYTES);
}

/** How long the slow site of round 1 trains (ms): its update is the round's slowest. */
const SLOW_SITE_MS = 5_000;

describe('adaptive round deadline (run config adaptiveDeadline)', () => {
  it("announces round 1 with roundDeadlineMs and round 2 with factor × round 1's slowest update, far sooner", async () => {
    // Prepare: a 1-hour roundDeadlineMs; round 2 may take 2 × round 1's slowest update (minMs too small to matter)
    const f = await protocolFixture({
      numParams: 4,
      clients: 2,
      run: { rounds: 2, roundDeadlineMs: HOUR_MS, adaptiveDeadline: { factor: 2, minMs: 100 } },
    });
    const heard: { a: RoundAnnouncement; atMs: number }[] = [];
    const watch = f.clients[0]!.link.watchRounds(f.clients[0]!.clientId);
    watch.on('data', (a: RoundAnnouncement) => heard.push({ a, atMs: Date.now() }));
    watch.on('error', () => undefined); // cancelled at the end
    const fit = (round: number) => heard.find(({ a }) => a.phase === 'ROUND_PHASE_FIT' && a.round === round);
    try {
      // Execute: round 1: site 0 answers at once, site 1 after SLOW_SITE_MS; round 2: both at once
      const round1 = await waitFor('round 1 heard', () => fit(1));
      await submit(f, 0, 1);
      await sleep(SLOW_SITE_MS); // the slow site trains
      const slowStart = Date.now();
      await submit(f, 1, 1);
      const round1UpperMs = Date.now() - (round1.a.deadlineUnixMs - HOUR_MS); // ≥ the slowest update the coordinator saw
      await waitForRound(f.coordinator, f.runId, 2);
      const round2 = await waitFor('round 2 heard', () => fit(2));
      await Promise.all([submit(f, 0, 2), submit(f, 1, 2)]);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Check: round 1 had the full hour; round 2's attempt lasts 2 × round 1's slowest update: at most twice an upper
      // bound of it from the announcement, and, as round 2 opened after the slow update arrived, ends at least twice a
      // lower bound of it (slowStart − round 1's announcement) after the slow update was sent
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.ok(round1.a.deadlineUnixMs - round1.atMs > HOUR_MS - 60_000, 'round 1: the full hour');
      const round2Ms = round2.a.deadlineUnixMs - round2.atMs;
      assert.ok(round2Ms <= 2 * round1UpperMs + 1, `round 2's attempt lasts ${round2Ms} ms`);
      const lowerMs = slowStart - round1.atMs;
      assert.ok(
        round2.a.deadlineUnixMs >= slowStart + 2 * lowerMs - 5,
        `round 2 ends ${round2.a.deadlineUnixMs - slowStart} ms after the slow update; 2 × ${lowerMs} expected`,
      );
    } finally {
      watch.cancel();
      await f.close();
    }
  });
});
