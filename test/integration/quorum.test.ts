import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, refusal, retriedRound } from '../helpers/protocol.js';

describe('a round below quorum', () => {
  it("is announced again (attempt 2) for the clients that have not delivered, keeping attempt 1's updates, and completes", async () => {
    // Prepare: quorum 3 of 3; attempt 1 gets 2 updates and closes at its 1.5 s deadline; attempt 2 is announced.
    const { f, clients, submit } = await retriedRound({}, [1, 2]);
    try {
      const [a, , c] = clients;
      // Execute
      const notAskedAgain = await refusal(a.link.fetchModel(f.runId, 1, a.clientId));
      const resend = await submit(a, 1);
      await submit(c, 3);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: a and b delivered in attempt 1, which kept their updates; attempt 2 asked only c
      assert.equal(notAskedAgain?.code, status.PERMISSION_DENIED, 'a client that delivered is not asked again');
      assert.equal(resend.message, 'update already accepted (idempotent re-send)');
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const r = s.rounds[0]!;
      assert.deepEqual([r.attempts, r.selected, r.responded, r.failures.length], [2, 3, 3, 0]);
      assert.deepEqual([...f.runtime.evaluated[0]!.values], [2, 2], 'each update counted once: (1 + 2 + 3) / 3');
    } finally {
      await f.close();
    }
  });

  it('fails the run with the reason after maxRoundAttempts', async () => {
    const f = await protocolFixture({
      numParams: 2,
      clients: 2,
      run: { minClients: 2, maxRoundAttempts: 2, roundDeadlineMs: 500 },
    });
    const events: string[] = [];
    f.coordinator.manager.on('event', (e) => events.push(e.kind));
    try {
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(
        s.error,
        /^round 1: fewer than 2 updates in 2 attempts \(0 accepted; last attempt: (c-\w+: no update before the round deadline(; )?){2}\); clients did not answer before the round deadline \(still training, or gone\): for slow sites raise roundDeadlineMs .*now 500 ms\)$/,
      );
      assert.equal(s.rounds.length, 0);
      assert.equal(
        events.filter((k) => k === 'RUN_EVENT_KIND_ROUND_RETRIED').length,
        1,
        'a retry after attempt 1, none after the last',
      );
    } finally {
      await f.close();
    }
  });
});
