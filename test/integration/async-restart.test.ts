import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { asyncFixture, dispatchAfter, dispatchOf, startAsyncRun, submit } from '../helpers/async-runs.js';
import { waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { testSchema } from '../helpers/postgres.js';
import { refusal, type TestClient } from '../helpers/protocol.js';

/** Coordinator state on each store: the config that points a coordinator at it, and its removal. */
const STATES = [
  {
    kind: 'sqlite',
    create() {
      const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-async-restart-'));
      return { config: { stateDir }, dispose: async () => rmSync(stateDir, { recursive: true, force: true }) };
    },
  },
  {
    kind: 'postgres',
    create() {
      const schema = testSchema();
      return { config: { stateUrl: schema.url }, dispose: () => schema.drop() };
    },
  },
];

/** Two versions of two updates each (bufferSize 2) on two sites, both training at once; maxStaleness 2. */
const BUFFERED = { async: { bufferSize: 2, maxConcurrency: 2, maxStaleness: 2 } };

/**
 * Starts the run on a coordinator on `config`'s state and stops that coordinator with dispatches version 1's
 * checkpoint does not know: batch 1 dispatches a and b from round 1; a's A1 = [2, 3] is folded and a dispatched again
 * (from round 1); b's [4, 5] makes version 1 (committed) and b is dispatched from round 2; a's A2 = [6, 7] is folded
 * into the buffer of version 2 and a dispatched again, from round 2.
 * @returns the run, the dispatches (batch ids, and rounds of those after the checkpoint) and every batch id announced.
 */
async function stopAfterUncheckpointedDispatches(config: Record<string, unknown>) {
  const f = await asyncFixture(2, config);
  try {
    const [a, b] = f.clients as [TestClient, TestClient];
    const { runId } = await startAsyncRun(f.coordinator, 2, 2, 2, BUFFERED);
    const dA1 = await dispatchOf(f.heard, a, 1);
    const dB1 = await dispatchOf(f.heard, b, 1);
    await submit(runId, a, 1, dA1, [2, 3]);
    const dA2 = await dispatchAfter(f.heard, a, dA1);
    await submit(runId, b, 1, dB1, [4, 5]);
    await waitForRound(f.coordinator, runId, 2);
    const dB2 = await dispatchAfter(f.heard, b, dB1);
    await submit(runId, a, dA2.round, dA2.attempt, [6, 7]);
    const dA3 = await dispatchAfter(f.heard, a, dA2.attempt);
    return { runId, dA1, dA2, dB2, dA3, announced: f.heard.map((h) => h.attempt) };
  } finally {
    await f.close();
  }
}

for (const state of STATES) {
  describe(`asynchronous run restarted after dispatches its last checkpoint does not know (${state.kind})`, () => {
    it("resumes at the last version with fresh dispatch ids: no update counted twice, none from before taken as a new dispatch's", async () => {
      // Prepare
      const s = state.create();
      try {
        const { runId, dA1, dA2, dB2, dA3, announced } = await stopAfterUncheckpointedDispatches(s.config);

        // Execute: a second coordinator on the same state. The sites send what they had under way before the restart
        // (a re-send of A1, folded into version 1; A2, folded into the lost buffer; b's and a's updates of their
        // dispatches from round 2), then the updates of their new dispatches.
        const g = await asyncFixture(2, s.config);
        const [a2, b2] = g.clients as [TestClient, TestClient];
        try {
          const resumed = await waitForRound(g.coordinator, runId, 2);
          const newA = await dispatchOf(g.heard, a2, 2);
          const newB = await dispatchOf(g.heard, b2, 2);
          const resentA1 = await submit(runId, a2, 1, dA1, [2, 3]);
          const lateA2 = await refusal(submit(runId, a2, dA2.round, dA2.attempt, [6, 7]));
          const lateB = await refusal(submit(runId, b2, dB2.round, dB2.attempt, [9, 9]));
          const lateA = await refusal(submit(runId, a2, dA3.round, dA3.attempt, [8, 8]));
          await submit(runId, a2, 2, newA, [10, 11]);
          await submit(runId, b2, 2, newB, [12, 14]);
          const done = await waitForRunState(g.coordinator, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);

          // Assert: the scenario ran as planned
          assert.deepEqual(
            [dA2.round, dB2.round, dA3.round],
            [1, 2, 2],
            'dispatched after the checkpoint: a from round 1, then b and a from round 2',
          );
          assert.deepEqual(
            resumed.rounds.map((r) => r.responded),
            [2],
            'resumed at version 1',
          );
          // fresh ids: every batch after the restart has an id no batch before it had
          assert.ok(
            Math.min(newA, newB) > Math.max(...announced),
            `ids after the restart (${newA}, ${newB}) repeat ones from before it (${announced.join(', ')})`,
          );
          // the re-send of an update folded into version 1 is acknowledged, not folded again
          assert.match(resentA1.message, /already accepted/);
          // updates of dispatches from before the restart that no committed version holds are refused, not folded
          for (const [what, err] of Object.entries({ lateA2, lateB, lateA })) {
            assert.equal(err?.code, status.ABORTED, `${what}: ${String(err)}`);
            assert.match(err.details, /has no dispatch .* or the coordinator restarted/, what);
          }
          // version 2 is the mean of the two new updates alone, each counted once: [(10 + 12)/2, (11 + 14)/2]
          assert.equal(done.state, 'RUN_STATE_COMPLETED', done.error);
          assert.deepEqual(
            done.rounds.map((r) => r.responded),
            [2, 2],
          );
          assert.deepEqual(
            g.runtime.evaluated.map((w) => [...w.values]),
            [[11, 12.5]],
          );
        } finally {
          await g.close();
        }
      } finally {
        await s.dispose();
      }
    });
  });
}
