import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { AttemptTracker } from '../../../client-node/daemon/attempt-tracker.js';
import { submitToOpenAttempt, type LateSubmission } from '../../../client-node/daemon/late-submission.js';
import type { UpdateToSubmit } from '../../../client-node/link/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SECAGG_UPDATE_CODEC, type UpdateAck } from '../../../shared/proto/index.js';
import { createRng } from '../../../shared/random/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';
import { serviceError } from '../../helpers/secagg-relay.js';

const UPDATE: UpdateToSubmit = {
  runId: 'r1',
  round: 1,
  clientId: 'me',
  numExamples: 10,
  metrics: {},
  specs: [],
  payload: new Uint8Array(8),
  codec: { ...SECAGG_UPDATE_CODEC },
};

/** submitToOpenAttempt's collaborators; `answer(attempt)` is what the coordinator answers an upload to `attempt`. */
function submission(attempts: AttemptTracker, answer: (attempt: number) => UpdateAck, pinned: boolean) {
  const tried: number[] = [];
  const o: LateSubmission = {
    attempts,
    clientId: 'me',
    isClosed: () => false,
    submit: (u) => {
      tried.push(u.attempt ?? 0);
      return Promise.resolve().then(() => answer(u.attempt ?? 0));
    },
    retry: { initialMs: 1, maxMs: 1, random: createRng(1).next },
    pinned,
    log: silentLogger(),
  };
  return { o, tried };
}

const ACK: UpdateAck = { accepted: true, currentRound: 1, message: 'ok' };

/**
 * Submits UPDATE, trained for attempt 1, to a coordinator that refuses attempt 1 as closed (FAILED_PRECONDITION),
 * announcing attempt 2 meanwhile, and takes it in attempt 2.
 */
async function submitAcrossAttempts(pinned: boolean) {
  const t = new AttemptTracker();
  t.observe(testAnnouncement({ attempt: 1 }));
  const { o, tried } = submission(
    t,
    (attempt) => {
      if (attempt > 1) return ACK;
      t.observe(testAnnouncement({ attempt: 2 }));
      throw serviceError(status.FAILED_PRECONDITION, 'attempt 1 closed');
    },
    pinned,
  );
  const ack = await submitToOpenAttempt(o, UPDATE, testAnnouncement({ attempt: 1 }));
  return { ack, tried };
}

describe('submitToOpenAttempt of a pinned update (a SecAgg+ masked vector)', () => {
  it('goes to its own attempt or nowhere: refused as closed, it is not offered to the next attempt', async () => {
    const pinned = await submitAcrossAttempts(true);
    const plain = await submitAcrossAttempts(false);
    assert.equal(pinned.ack, undefined);
    assert.deepEqual(pinned.tried, [1]);
    assert.deepEqual(plain.ack, ACK, 'a plain update moves on to the next attempt of the round');
    assert.deepEqual(plain.tried, [1, 2]);
  });

  it('goes nowhere when a newer attempt was announced before its first upload try', async () => {
    // Prepare: attempt 2 of the round is announced while the site trained for attempt 1
    const t = new AttemptTracker();
    const a1 = testAnnouncement({ attempt: 1 });
    t.observe(a1);
    t.observe(testAnnouncement({ attempt: 2 }));
    const { o, tried } = submission(t, () => ACK, true);
    // Execute
    const ack = await submitToOpenAttempt(o, UPDATE, a1);
    // Assert: not offered to attempt 2 (whose masks it does not carry), nor to the closed attempt 1
    assert.equal(ack, undefined);
    assert.deepEqual(tried, []);
  });

  it('gives up at once when refused as closed, without waiting for a next attempt that could not take it', async () => {
    // Prepare: attempt 1 refuses the upload; no other attempt is announced (a wait for one would last 2 minutes)
    const t = new AttemptTracker();
    const a1 = testAnnouncement({ attempt: 1 });
    t.observe(a1);
    let waitedForNewer = 0;
    const newer = t.newer.bind(t);
    t.newer = (...args: Parameters<AttemptTracker['newer']>) => (waitedForNewer++, newer(...args));
    const { o, tried } = submission(
      t,
      () => {
        throw serviceError(status.FAILED_PRECONDITION, 'attempt 1 closed');
      },
      true,
    );
    // Execute
    const ack = await submitToOpenAttempt(o, UPDATE, a1);
    // Assert
    assert.equal(ack, undefined);
    assert.deepEqual(tried, [1]);
    assert.equal(waitedForNewer, 0, 'a pinned upload never waits for a next attempt');
  });

  it('does not mark its round delivered when acknowledged: a later attempt of the round is still played', async () => {
    const t = new AttemptTracker();
    const a1 = testAnnouncement({ attempt: 1 });
    t.observe(a1);
    const { o } = submission(t, () => ACK, true);
    const ack = await submitToOpenAttempt(o, UPDATE, a1);
    t.observe(testAnnouncement({ attempt: 2 }));
    assert.deepEqual(ack, ACK);
    assert.equal(t.isSuperseded(testAnnouncement({ attempt: 2 })), false);
  });
});
