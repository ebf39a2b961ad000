import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES, type ModelWeights } from '../../shared/codec/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { joinProtocolClients, type TestClient } from '../helpers/protocol.js';

/** Notes, each time the coordinator evaluates a new global model, whether the site already holds its ack. */
class AckWatcher extends FixedModelRuntime {
  acked = false;
  readonly ackedBeforeEvaluation: boolean[] = [];
  override async evaluate(weights: ModelWeights) {
    this.ackedBeforeEvaluation.push(this.acked);
    return super.evaluate(weights);
  }
}

describe('update acknowledgement', () => {
  it('reaches the site whose update closed the round before the coordinator aggregates and evaluates', async () => {
    // Prepare: one site, so its update closes each round
    const runtime = new AckWatcher(1024);
    const c = await startTestCoordinator({}, { runtime });
    const [site] = (await joinProtocolClients(c.address, 1)) as [TestClient];
    try {
      const run = await c.manager.startRun({
        rounds: 3,
        clientsPerRound: 1,
        minClients: 1,
        model: 'mlp',
        roundDeadlineMs: 30_000,
      });
      // Execute
      for (let round = 1; round <= 3; round++) {
        await waitForRound(c, run.runId, round);
        runtime.acked = false;
        const { weights } = await site.link.fetchModel(run.runId, round, site.clientId);
        await site.link.submitUpdate(
          { runId: run.runId, round, clientId: site.clientId, numExamples: 1, metrics: {}, weights },
          MAX_CHUNK_BYTES,
        );
        runtime.acked = true;
      }
      await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED']);
      // Check: aggregation and central evaluation (which may hold the event loop for seconds) came after each ack
      assert.deepEqual(runtime.ackedBeforeEvaluation, [true, true, true]);
    } finally {
      site.link.close();
      await c.close();
    }
  });
});
