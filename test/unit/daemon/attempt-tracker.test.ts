import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttemptTracker } from '../../../client-node/daemon/attempt-tracker.js';
import type { RoundAnnouncement } from '../../../shared/proto/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';

/** A FIT announcement of round `round`, attempt `attempt` of run r1 by coordinator `coordinatorId`, selecting me. */
const fit = (round: number, attempt: number, coordinatorId = 'coord-a'): RoundAnnouncement =>
  testAnnouncement({ round, attempt, coordinatorId, federationId: 'f' });

describe('AttemptTracker (where a slow site’s update goes)', () => {
  it('sends an update trained for attempt 1 to attempt 2 of the same round, and to nothing once the round moved on', () => {
    const t = new AttemptTracker();
    const [a1, a2] = [fit(3, 1), fit(3, 2)];
    t.observe(a1);
    t.observe(a2);
    assert.equal(t.current(a1), a2);
    assert.equal(t.isSuperseded(a1), true, 'attempt 1 need not be played: attempt 2 was announced');
    assert.equal(t.isSuperseded(a2), false);
    t.observe(fit(4, 1));
    assert.equal(t.current(a1), undefined, 'round 4 started: the round-3 update is worth nothing');
  });

  it('takes a round as done once an update of it was acknowledged: its queued attempts are not played', () => {
    const t = new AttemptTracker();
    t.observe(fit(3, 1));
    t.observe(fit(3, 2));
    t.markDelivered(fit(3, 1)); // e.g. a retry of attempt 1's upload that the coordinator counted in attempt 2
    assert.equal(t.isSuperseded(fit(3, 2)), true);
    assert.equal(t.isSuperseded(fit(4, 1)), false);
  });

  it("plays a restarted coordinator's first attempt of the resumed round, whatever the old process had reached", () => {
    const t = new AttemptTracker();
    const old = fit(3, 2, 'coord-a');
    t.observe(old);
    const resumed = fit(3, 1, 'coord-b');
    t.observe(resumed);
    assert.equal(t.isSuperseded(resumed), false);
    assert.equal(t.current(old), undefined, "an update for the old process's attempt goes nowhere");
    assert.equal(t.current(resumed), resumed);
  });

  it('ends the run at RUN_DONE: nothing current, queued attempts superseded', () => {
    const t = new AttemptTracker();
    const a = fit(2, 1);
    t.observe(a);
    t.observe({ ...fit(2, 0), phase: 'ROUND_PHASE_RUN_DONE' });
    assert.equal(t.current(a), undefined);
    assert.equal(t.isSuperseded(a), true);
  });

  it('wakes a wait for a newer attempt when one is announced, and ends it at close or timeout', async () => {
    const t = new AttemptTracker();
    const a1 = fit(1, 1);
    t.observe(a1);
    const woken = t.newer(a1, 60_000);
    t.observe(fit(1, 2));
    assert.equal(await woken, true);
    const closing = t.newer(fit(1, 2), 60_000);
    t.close();
    assert.equal(await closing, false);
    assert.equal(await t.newer(fit(1, 2), 1), false);
  });

  it('calls a watcher once when a newer attempt, round or the run’s end arrives, never for the same attempt', () => {
    // Prepare: watchers of attempt 2 of round 3
    const t = new AttemptTracker();
    const a = fit(3, 2);
    t.observe(a);
    const calls: string[] = [];
    t.watchNewer(a, (newer) => calls.push(`attempt:${newer}`));
    t.watchNewer(a, (newer) => calls.push(`end:${newer}`));
    const stopped = t.watchNewer(a, () => calls.push('stopped'));
    // Execute: the same attempt again, an older one, then a stopped watcher, then the run's end, then more
    t.observe(a);
    t.observe(fit(3, 1));
    stopped();
    t.observe({ ...fit(3, 0), phase: 'ROUND_PHASE_RUN_DONE' });
    t.observe(fit(4, 1));
    t.close();
    // Assert: each live watcher once, with true
    assert.deepEqual(calls, ['attempt:true', 'end:true']);
  });

  it('calls a watcher at once when a newer attempt came before it started, and with false when the tracker closes', () => {
    const t = new AttemptTracker();
    t.observe(fit(3, 1));
    t.observe(fit(3, 2));
    const calls: boolean[] = [];
    t.watchNewer(fit(3, 1), (newer) => calls.push(newer));
    t.watchNewer(fit(3, 2), (newer) => calls.push(newer));
    t.close();
    assert.deepEqual(calls, [true, false]);
  });

  it("keeps an asynchronous run's dispatch its own: later batches and versions supersede it not, the run's end does", () => {
    // Prepare: this site's dispatch from round 3 (batch 7); then another batch from round 3 and one from round 5
    const t = new AttemptTracker();
    const mine = { ...fit(3, 7), dispatch: true };
    t.observe(mine);
    // Execute
    t.observe({ ...fit(3, 8), dispatch: true, selectedClientIds: ['other'] });
    t.observe({ ...fit(5, 9), dispatch: true });
    // Assert
    assert.equal(t.isSuperseded(mine), false);
    assert.equal(t.current(mine), mine, 'the stale update still goes to its own dispatch');
    t.observe({ ...fit(5, 9), phase: 'ROUND_PHASE_RUN_DONE' });
    assert.equal(t.isSuperseded(mine), true);
    assert.equal(t.current(mine), undefined);
  });
});
