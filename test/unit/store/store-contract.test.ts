import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DataError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { STORE_FIXTURES, type StoreFixture } from '../../helpers/run-stores.js';
import { TEST_STATISTICS, testCheckpoint, testSummary } from '../../helpers/store-records.js';

for (const fixture of STORE_FIXTURES) {
  describe(`run store contract (${fixture.kind})`, () => {
    let f: StoreFixture;
    beforeEach(() => {
      f = fixture.create();
    });
    afterEach(() => f.dispose());

    it('keeps runs, oldest first, and their rounds in order across a reopen, NaN and quoted reasons included', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-b', '{"rounds":5}', 'RUN_STATE_WAITING', 2000);
      await store.createRun('run-a', '{"rounds":3}', 'RUN_STATE_WAITING', 1000);
      for (const round of [1, 2, 3]) await store.commitRound('run-b', testSummary(round), testCheckpoint(round));
      await store.setState('run-b', 'RUN_STATE_RUNNING');
      await store.close();

      // Execute
      const runs = await (await f.open()).runs();

      // Assert
      assert.deepEqual(
        runs.map((r) => [r.runId, r.configJson, r.state, r.startedUnixMs, r.finishedUnixMs, r.error]),
        [
          ['run-a', '{"rounds":3}', 'RUN_STATE_WAITING', 1000, 0, ''],
          ['run-b', '{"rounds":5}', 'RUN_STATE_RUNNING', 2000, 0, ''],
        ],
      );
      assert.deepEqual(runs[0]!.rounds, []);
      assert.deepEqual(runs[1]!.rounds, [testSummary(1), testSummary(2), testSummary(3)]);
      assert.ok(Number.isNaN(runs[1]!.rounds[0]!.federatedAccuracy));
    });

    it('keeps the checkpoints of the last two rounds across a reopen and rejects an older one as missing', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-c', '{}', 'RUN_STATE_RUNNING', 1000);
      for (const round of [1, 2, 3, 4]) await store.commitRound('run-c', testSummary(round), testCheckpoint(round));
      await store.close();

      // Execute
      const reopened = await f.open();
      const kept = [await reopened.checkpoint('run-c', 3), await reopened.checkpoint('run-c', 4)];

      // Assert
      for (const [i, c] of kept.entries()) {
        const expected = testCheckpoint(3 + i);
        assert.equal(c.round, expected.round);
        assert.deepEqual(c.weights.specs, expected.weights.specs);
        assert.deepEqual([...c.weights.values], [...expected.weights.values]);
        assert.deepEqual([...c.serverState.momentum!], [...expected.serverState.momentum!]);
      }
      await assert.rejects(
        reopened.checkpoint('run-c', 2),
        fedsiftError(DataError, /checkpoint of round 2 of run run-c is missing/),
      );
      await assert.rejects(
        reopened.checkpoint('run-c', 1),
        fedsiftError(DataError, /checkpoint of round 1 of run run-c is missing/),
      );
    });

    it('rejects a damaged checkpoint with DataError', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-d', '{}', 'RUN_STATE_RUNNING', 1000);
      await store.commitRound('run-d', testSummary(1), testCheckpoint(1));
      await f.damageCheckpoint('run-d', 1);

      // Execute, Assert
      await assert.rejects(store.checkpoint('run-d', 1), fedsiftError(DataError, /\(truncated\?\)/));
    });

    it("keeps central DP's accountant history, clipping norm and per-round ε across a reopen", async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-dp', '{}', 'RUN_STATE_RUNNING', 1000);
      const privacy = {
        clippingNorm: 0.123456789012345,
        history: [
          { noiseMultiplier: 1.1, samplingRate: 2 / 3, count: 1 },
          { noiseMultiplier: 1.1, samplingRate: 0.5, count: 1 },
        ],
      };
      const summary = { ...testSummary(1), dpEpsilon: 1.234567890123, dpClippingNorm: 0.1 };
      await store.commitRound('run-dp', summary, { ...testCheckpoint(1), privacy });
      await store.commitRound('run-dp', testSummary(2), testCheckpoint(2));
      await store.close();

      // Execute
      const reopened = await f.open();
      const [run] = await reopened.runs();
      const [withPrivacy, without] = [await reopened.checkpoint('run-dp', 1), await reopened.checkpoint('run-dp', 2)];

      // Assert
      assert.deepEqual(withPrivacy.privacy, privacy, 'float64 values exactly');
      assert.equal(without.privacy, undefined);
      assert.equal(run!.rounds[0]!.dpEpsilon, 1.234567890123);
      assert.equal(run!.rounds[0]!.dpClippingNorm, 0.1);
    });

    it("keeps a run's feature statistics across a reopen; runs without them have none", async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-s', '{}', 'RUN_STATE_RUNNING', 1000);
      await store.createRun('run-plain', '{}', 'RUN_STATE_RUNNING', 1001);
      await store.saveStatistics('run-s', TEST_STATISTICS);
      await store.close();

      // Execute
      const [withStatistics, without] = await (await f.open()).runs();

      // Assert
      assert.deepEqual(withStatistics?.statistics, TEST_STATISTICS);
      assert.equal(without?.runId, 'run-plain');
      assert.equal('statistics' in without!, false);
    });

    it("keeps a run's reserved dispatch ids across a reopen and never lowers them; a run without any has 0", async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-async', '{}', 'RUN_STATE_RUNNING', 1000);
      await store.createRun('run-sync', '{}', 'RUN_STATE_RUNNING', 1001);

      // Execute
      await store.reserveDispatchIds('run-async', 64);
      await store.reserveDispatchIds('run-async', 128);
      await store.reserveDispatchIds('run-async', 70);
      await store.close();

      // Assert
      const runs = await (await f.open()).runs();
      assert.deepEqual(
        runs.map((r) => [r.runId, r.dispatchIdsReserved]),
        [
          ['run-async', 128],
          ['run-sync', 0],
        ],
      );
    });

    it('rejects a second run with the same id and keeps the first one as it was', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-x', '{"first":true}', 'RUN_STATE_RUNNING', 1000);

      // Execute
      const second = store.createRun('run-x', '{"second":true}', 'RUN_STATE_WAITING', 2000);

      // Assert
      await assert.rejects(second, /UNIQUE constraint failed: runs\.run_id|duplicate key value violates unique/);
      const runs = await store.runs();
      assert.deepEqual(
        runs.map((r) => [r.runId, r.configJson, r.state, r.startedUnixMs]),
        [['run-x', '{"first":true}', 'RUN_STATE_RUNNING', 1000]],
      );
    });

    it('records a final state with its error and finishing time across a reopen', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-f', '{}', 'RUN_STATE_RUNNING', 1000);
      await store.commitRound('run-f', testSummary(1), testCheckpoint(1));

      // Execute
      await store.setState('run-f', 'RUN_STATE_FAILED', 'quorum not met in round 2: 1 of 2 updates', 2500);
      await store.close();

      // Assert
      const [run] = await (await f.open()).runs();
      assert.equal(run?.state, 'RUN_STATE_FAILED');
      assert.equal(run.error, 'quorum not met in round 2: 1 of 2 updates');
      assert.equal(run.finishedUnixMs, 2500);
      assert.deepEqual(run.rounds, [testSummary(1)]);
    });
  });
}
