import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../../coordinator/lab/demo/index.js';
import { createLogger } from '../../shared/logging/index.js';

/** Parameters of the demo's `mlp` (784-128-10). */
const MLP_PARAMS = 784 * 128 + 128 + 128 * 10 + 10;

describe('fedsift demo --secagg (real client processes)', () => {
  it('aggregates every round through SecAgg+: each site uploads a masked vector of 4(L + 1) bytes, and the model learns', async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'fedsift-secagg-demo-')), 'demo.json');
    const printed: string[] = [];
    const options = { clients: 3, rounds: 2, model: 'mlp', localEpochs: 1, alpha: 1000, seed: 0, out, secagg: true };
    // Execute
    const result = await runDemo(options, createLogger({ name: 'test', level: 'error' }), (l) => printed.push(l));
    // Assert
    assert.equal(result.state, 'RUN_STATE_COMPLETED');
    assert.match(printed[0]!, /SecAgg\+ \(numShares 3, reconstructionThreshold 2\)/);
    for (const r of result.rounds) {
      assert.equal(r.responded, 3, JSON.stringify(r.failures));
      assert.equal(r.updateBytes, 3 * 4 * (MLP_PARAMS + 1), `round ${r.round}: three masked vectors of L + 1 uint32`);
    }
    assert.ok(result.finalTestAccuracy > 0.8, `final accuracy ${result.finalTestAccuracy}`);
  });
});
