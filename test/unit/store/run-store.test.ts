import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCheckpoint, RunStore, writeCheckpoint } from '../../../coordinator/store/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';

const specs = [
  { name: 'w', shape: [2, 2], dtype: 'float32' as const },
  { name: 'b', shape: [1], dtype: 'float32' as const },
];
const weights = { specs, values: Float32Array.from([1, -2, 3.5, 4, 0.25]) };
const summary = (round: number): RoundSummary => ({
  round,
  selected: 2,
  responded: 2,
  failed: 0,
  trainLoss: 0.5,
  testLoss: 0.4,
  testAccuracy: 0.9,
  durationMs: 100,
  federatedAccuracy: NaN,
  attempts: 1,
  failures: [],
  aggregationMs: 3,
  clientMetrics: { train_loss: 0.5 },
});

describe('durable coordinator state', () => {
  it('a checkpoint round-trips the model and the server state, and a truncated one is refused', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fedsift-ckpt-')), 'c.ckpt');
    writeCheckpoint(path, { round: 7, weights, serverState: { momentum: Float32Array.from([9, 8, 7, 6, 5]) } });
    const back = readCheckpoint(path);
    assert.equal(back.round, 7);
    assert.deepEqual(back.weights.specs, specs);
    assert.deepEqual([...back.weights.values], [...weights.values]);
    assert.deepEqual([...back.serverState.momentum!], [9, 8, 7, 6, 5]);
    writeFileSync(path, readFileSync(path).subarray(0, -4));
    assert.throws(() => readCheckpoint(path), /truncated/);
  });

  it('keeps runs and rounds across a reopen, NaN included, and prunes old checkpoints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
    const store = new RunStore(dir);
    store.createRun('run-a', '{"rounds":5}', 'RUN_STATE_WAITING', 1000);
    for (const round of [1, 2, 3]) store.commitRound('run-a', summary(round), { round, weights, serverState: {} });
    store.setState('run-a', 'RUN_STATE_RUNNING');
    store.close();

    const reopened = new RunStore(dir);
    const [run] = reopened.runs();
    assert.equal(run?.runId, 'run-a');
    assert.equal(run.state, 'RUN_STATE_RUNNING');
    assert.deepEqual(run.rounds, [summary(1), summary(2), summary(3)]);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints', 'run-a')).sort(), ['round-2.ckpt', 'round-3.ckpt']);
    assert.deepEqual([...reopened.checkpoint('run-a', 3).weights.values], [...weights.values]);
    assert.throws(() => reopened.checkpoint('run-a', 1), /missing/);
    reopened.setState('run-a', 'RUN_STATE_COMPLETED', '', 2000);
    assert.equal(reopened.runs()[0]!.finishedUnixMs, 2000);
    reopened.close();
  });
});
