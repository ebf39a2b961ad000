import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { float32ToBytes, sha256Hex, type ModelWeights } from '../../../shared/codec/index.js';
import { NO_WEIGHTING } from '../../../shared/config/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { createStrategy } from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';
import { encodeModel, OpenRound } from '../../../coordinator/rounds/index.js';

const PARAMS = 4;

/** An open FedAvg round of a 4-parameter model with clients c0 and c1 selected, closing in an hour. */
function twoClientRound(): OpenRound {
  const config = parseRunConfig({ rounds: 1, clientsPerRound: 2, minClients: 1, model: 'mlp' });
  const global: ModelWeights = {
    specs: [{ name: 'w', shape: [PARAMS], dtype: 'float32' }],
    values: new Float32Array(PARAMS),
  };
  const fit = {
    localEpochs: 1,
    batchSize: 32,
    learningRate: 0.1,
    proximalMu: 0,
    weighting: NO_WEIGHTING,
    curriculumStage: 1,
  };
  const instructions = ['c0', 'c1'].map((clientId) => ({ clientId, config: fit }));
  return new OpenRound(
    1,
    1,
    instructions,
    Date.now() + 3_600_000,
    encodeModel('mlp', 1, global),
    global,
    createStrategy(config, { openSpill: openFileSpill }).beginAggregation(1, global),
    Date.now(),
  );
}

/** Checks and folds `clientId`'s update of all-`value` parameters. */
function fold(round: OpenRound, clientId: string, value: number): void {
  const bytes = float32ToBytes(new Float32Array(PARAMS).fill(value));
  const header = {
    runId: 'r',
    round: 1,
    clientId,
    numExamples: 1,
    metrics: {},
    tensors: [{ name: 'w', shape: [PARAMS], dtype: 'float32' }],
    totalBytes: PARAMS * 4,
    sha256: sha256Hex(bytes),
  };
  round.checkHeader(header);
  round.fold(header, bytes);
}

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
});
