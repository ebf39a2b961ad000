import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  DuplicateEvaluationError,
  DuplicateUpdateError,
  InvalidRequestError,
  InvalidUpdateError,
  NotSelectedError,
  RoundClosedError,
} from '../../../shared/errors/index.js';
import type { OpenRound } from '../../../coordinator/rounds/index.js';
import { foldTestUpdate, openTestRound, testUpdate } from '../../helpers/open-rounds.js';

const PARAMS = 4;

/** An open FedAvg round of a 4-parameter model with clients c0 and c1 selected, closing in an hour. */
const twoClientRound = (): OpenRound => openTestRound(PARAMS, ['c0', 'c1']);

/** c0's evaluation of round 1 of an openTestRound, with an accuracy out of range (1.5). */
const EVALUATION = {
  runId: 'test-run',
  round: 1,
  clientId: 'c0',
  numExamples: 10,
  loss: 0.5,
  metrics: { accuracy: 1.5 },
};

/** Receives and folds `clientId`'s update of all-`value` parameters through the round's intake. */
const fold = (round: OpenRound, clientId: string, value: number): void =>
  foldTestUpdate(round, clientId, value, PARAMS);

describe('OpenRound', () => {
  it('counts a client whose first upload failed and whose retry was accepted once, and not as failed', async () => {
    const round = twoClientRound();
    try {
      // Execute: c0's stream breaks, its retry is folded; c1 has not answered
      round.fail('c0', 'update stream cancelled by the client');
      fold(round, 'c0', 1);
      // Check: the round still waits for c1 (it used to count c0 twice and close as all-answered)
      assert.equal(round.answered, 1);
      assert.equal(round.isOpen, true);
      assert.deepEqual(round.failures, []);
      fold(round, 'c1', 3);
      assert.equal(await round.closed, 'all-answered');
    } finally {
      round.close('stopped'); // no-op when closed; else ends its deadline timer
    }
  });

  it('calls its close listeners once, after the close, except those unsubscribed', async () => {
    const round = twoClientRound();
    after(() => round.close('stopped'));
    const calls: string[] = [];
    round.onClose(() => calls.push('kept'));
    const unsubscribe = round.onClose(() => calls.push('dropped'));
    unsubscribe();
    // Execute
    round.close('stopped');
    assert.deepEqual(calls, [], 'not inside close(): the update that closes a round is answered first');
    await round.closed;
    await Promise.resolve();
    round.close('stopped');
    await Promise.resolve();
    // Check
    assert.deepEqual(calls, ['kept']);
  });

  describe("intake (receive, addEvaluation): every check of a client's input", () => {
    const is = (cls: new (...a: never[]) => Error, code: string, fragment: RegExp) => (e: unknown) =>
      e instanceof cls && (e as { code?: string }).code === code && fragment.test(e.message);

    it('refuses an update of an unselected client without failing anyone', () => {
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const { header } = testUpdate('c9', new Float32Array(PARAMS));
      assert.throws(() => round.receive(header), is(NotSelectedError, 'FS_ERR_NOT_SELECTED', /c9 was not selected/));
      assert.deepEqual(round.failures, []);
    });

    it('refuses a header that does not fit the model or the client, and fails that client for the round', () => {
      const round = openTestRound(PARAMS, ['c0', 'c1', 'c2']);
      after(() => round.close('stopped'));
      const wrongShape = testUpdate('c0', new Float32Array(PARAMS + 1)).header;
      const tooMany = testUpdate('c1', new Float32Array(PARAMS), 1_001).header;
      assert.throws(
        () => round.receive(wrongShape),
        is(InvalidUpdateError, 'FS_ERR_INVALID_UPDATE', /tensor 0: expected w/),
      );
      assert.throws(
        () => round.receive(tooMany),
        is(InvalidUpdateError, 'FS_ERR_INVALID_UPDATE', /exceeds the 1000 examples/),
      );
      assert.deepEqual(
        round.failures.map((f) => f.clientId),
        ['c0', 'c1'],
      );
      assert.equal(round.isOpen, true, 'c2 has not answered');
    });

    it('acknowledges a re-send of the accepted update without folding it, and refuses a different second update', () => {
      const round = openTestRound(PARAMS, ['c0', 'c1', 'c2']);
      after(() => round.close('stopped'));
      fold(round, 'c0', 1);
      const same = round.receive(testUpdate('c0', new Float32Array(PARAMS).fill(1)).header);
      assert.equal(same.alreadyAccepted, true);
      const other = testUpdate('c0', new Float32Array(PARAMS).fill(2)).header;
      assert.throws(
        () => round.receive(other),
        is(DuplicateUpdateError, 'FS_ERR_DUPLICATE_UPDATE', /different update/),
      );
      assert.equal(round.progress.accumulator.count, 1);
    });

    it('folds one of two uploads of a client that ran at once: an identical second one is acked, a different one refused', () => {
      // Prepare: three uploads of c0 pass the header checks before any of them is complete
      const round = openTestRound(PARAMS, ['c0', 'c1']);
      after(() => round.close('stopped'));
      const started = [1, 1, 2].map((v) => {
        const { header, bytes } = testUpdate('c0', new Float32Array(PARAMS).fill(v), 10 * v);
        const receiver = round.receive(header);
        const buffer = receiver.buffer();
        buffer.set(bytes);
        receiver.received(bytes.byteLength);
        return () => receiver.complete(buffer, header.sha256);
      });
      // Execute
      const [first, identical, different] = started as [() => boolean, () => boolean, () => boolean];
      const counted = first();
      const recounted = identical();
      // Assert
      assert.equal(counted, true);
      assert.equal(recounted, false, 'the identical re-send is not folded again');
      assert.throws(different, is(DuplicateUpdateError, 'FS_ERR_DUPLICATE_UPDATE', /the first one counts/));
      assert.equal(round.progress.accumulator.count, 1);
      assert.deepEqual(round.failures, [], 'c0 delivered: the refused duplicate fails nothing');
      assert.equal(round.answered, 1);
    });

    it("keeps a client's first evaluation: an identical re-send changes nothing, a different one is refused", () => {
      // Prepare
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const evaluation = { ...EVALUATION, metrics: { accuracy: 0.5 } };
      round.addEvaluation(evaluation);
      // Execute
      round.addEvaluation({ ...evaluation, metrics: { accuracy: 0.5 } });
      const second = () => round.addEvaluation({ ...evaluation, numExamples: 20, metrics: { accuracy: 0.9 } });
      // Assert
      assert.throws(
        second,
        is(
          DuplicateEvaluationError,
          'FS_ERR_DUPLICATE_EVALUATION',
          /c0 already reported a different evaluation of round 1/,
        ),
      );
      assert.deepEqual(
        [...round.progress.evaluations.values()],
        [{ clientId: 'c0', numExamples: 10, loss: 0.5, metrics: { accuracy: 0.5 } }],
      );
    });

    it('refuses a NaN as the bytes arrive and fails that client for the round itself, whatever the transport', () => {
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const { header, bytes } = testUpdate('c0', Float32Array.from([1, NaN, 1, 1]));
      const receiver = round.receive(header);
      receiver.buffer().set(bytes);
      assert.throws(() => receiver.received(8), is(InvalidUpdateError, 'FS_ERR_INVALID_UPDATE', /NaN at index 1/));
      assert.deepEqual(round.failures, [{ clientId: 'c0', reason: 'non-finite parameters: value NaN at index 1' }]);
      assert.equal(round.progress.accumulator.count, 0);
      assert.equal(round.isOpen, true, 'c1 has not answered');
    });

    it('refuses updates and evaluations once closed, and a bad evaluation while open', () => {
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const evaluation = EVALUATION;
      assert.throws(
        () => round.addEvaluation(evaluation),
        is(InvalidRequestError, 'FS_ERR_INVALID_REQUEST', /accuracy must be in \[0, 1\], got 1.5/),
      );
      round.addEvaluation({ ...evaluation, metrics: { accuracy: 0.5 } });
      round.close('stopped');
      const { header } = testUpdate('c1', new Float32Array(PARAMS));
      assert.throws(
        () => round.receive(header),
        is(RoundClosedError, 'FS_ERR_ROUND_CLOSED', /no longer accepts updates/),
      );
      assert.throws(() => round.addEvaluation(evaluation), RoundClosedError);
      assert.equal(round.progress.evaluations.size, 1);
    });
  });

  describe('an upload that broke off (a dropped connection, or a client that gave up: the round cannot tell)', () => {
    const BROKE = 'update stream cancelled by the client';

    it('leaves the client unanswered, so its retry counts in the same attempt and nothing is failed', async () => {
      // Prepare: c0 is the only client selected; its first upload breaks after its header was taken
      const round = openTestRound(PARAMS, ['c0']);
      after(() => round.close('stopped'));
      round.receive(testUpdate('c0', new Float32Array(PARAMS).fill(1)).header).interrupted(BROKE);
      // Execute
      const openAfterBreak = round.isOpen;
      fold(round, 'c0', 1);
      // Assert: it used to fail c0 at once and close the attempt as all-answered, refusing the retry
      assert.equal(openAfterBreak, true);
      assert.equal(await round.closed, 'all-answered');
      assert.deepEqual(round.failures, []);
      assert.equal(round.progress.accumulator.count, 1);
    });

    it('fails the client at the deadline, saying its upload broke off, when no retry got in', () => {
      const round = twoClientRound();
      round.receive(testUpdate('c0', new Float32Array(PARAMS)).header).interrupted(BROKE);
      round.close('deadline');
      assert.deepEqual(round.failures, [
        { clientId: 'c0', reason: `${BROKE}, and no retry got in before the deadline` },
        { clientId: 'c1', reason: 'no update before the round deadline' },
      ]);
    });

    it('folds an update once when a retry and the upload it replaces both complete', () => {
      // Prepare: the retry's header arrives before the server notices that the first upload broke
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const { header, bytes } = testUpdate('c0', new Float32Array(PARAMS).fill(1));
      const [first, retry] = [round.receive(header), round.receive(header)];
      // Execute
      for (const receiver of [retry, first]) {
        receiver.buffer().set(bytes);
        receiver.complete(bytes, header.sha256);
      }
      // Assert
      assert.equal(round.progress.accumulator.count, 1);
      assert.equal(round.isOpen, true, 'c0 counted once: c1 has not answered');
    });

    it('acknowledges a re-send of the accepted update after its attempt closed (its ack was lost), refuses another', () => {
      const round = openTestRound(PARAMS, ['c0']);
      fold(round, 'c0', 1); // the only client: the attempt closes
      const same = round.receive(testUpdate('c0', new Float32Array(PARAMS).fill(1)).header);
      const other = testUpdate('c0', new Float32Array(PARAMS).fill(2)).header;
      assert.equal(round.isOpen, false);
      assert.equal(same.alreadyAccepted, true);
      assert.throws(() => round.receive(other), DuplicateUpdateError);
    });
  });

  describe('attempts of one round', () => {
    it('keeps an update accepted in attempt 1 for attempt 2; a late upload trained for attempt 1 fails nothing in attempt 2', async () => {
      // Prepare: attempt 1 gets c0's update, then closes at its deadline (c1 and c2 still training)
      const first = openTestRound(PARAMS, ['c0', 'c1', 'c2']);
      fold(first, 'c0', 1);
      first.close('deadline');
      const second = openTestRound(PARAMS, ['c1', 'c2'], 0, { attempt: 2, after: first });
      after(() => second.close('stopped'));
      // Execute: c0 re-sends; c1's upload for attempt 1 breaks; then c1 and c2 deliver
      const resend = second.receive(testUpdate('c0', new Float32Array(PARAMS).fill(1)).header);
      const late = second.receive({ ...testUpdate('c1', new Float32Array(PARAMS).fill(2)).header, attempt: 1 });
      late.fail('update stream cancelled by the client');
      const failuresAfterLate = [...second.failures];
      fold(second, 'c1', 2);
      const { header, bytes } = testUpdate('c2', new Float32Array(PARAMS).fill(3));
      const lateButGood = second.receive({ ...header, attempt: 1 }); // trained for attempt 1, counts in attempt 2
      lateButGood.buffer().set(bytes);
      lateButGood.complete(bytes, header.sha256);
      // Assert
      assert.equal(resend.alreadyAccepted, true, 'an update accepted in attempt 1 is acknowledged, not refused');
      assert.deepEqual(failuresAfterLate, [], 'the late upload failed nothing in attempt 2');
      assert.equal(await second.closed, 'all-answered');
      assert.equal(second.progress.accumulator.count, 3);
      assert.deepEqual(
        first.failures.map((f) => f.clientId),
        ['c1', 'c2'],
        "attempt 1's failures stay attempt 1's",
      );
    });

    it('refuses an update for an attempt not announced yet', () => {
      const round = twoClientRound();
      after(() => round.close('stopped'));
      const ahead = { ...testUpdate('c0', new Float32Array(PARAMS)).header, attempt: 2 };
      assert.throws(
        () => round.receive(ahead),
        (e: unknown) =>
          e instanceof InvalidUpdateError &&
          /attempt 2 of round 1 was never announced; the current attempt is 1/.test(e.message),
      );
    });
  });
});
