import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readCheckpoint, SqliteRunStore as RunStore, writeCheckpoint } from '../../../coordinator/store/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { FeatureStatistics, RoundSummary } from '../../../shared/proto/index.js';

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

const statistics: FeatureStatistics = {
  sites: 3,
  rows: 333,
  numeric: [{ name: 'Body Mass (g)', count: 333, mean: 4207.057057, std: 804.6, min: 2700, max: 6300 }],
  categorical: [{ name: 'Island', counts: [163, 123, 47], frequencies: [163 / 333, 123 / 333, 47 / 333] }],
};

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

  it('keeps runs and rounds across a reopen, NaN included, and prunes old checkpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
    const store = new RunStore(dir);
    await store.createRun('run-a', '{"rounds":5}', 'RUN_STATE_WAITING', 1000);
    for (const round of [1, 2, 3])
      await store.commitRound('run-a', summary(round), { round, weights, serverState: {} });
    await store.setState('run-a', 'RUN_STATE_RUNNING');
    await store.close();

    const reopened = new RunStore(dir);
    const [run] = await reopened.runs();
    assert.equal(run?.runId, 'run-a');
    assert.equal(run.state, 'RUN_STATE_RUNNING');
    assert.deepEqual(run.rounds, [summary(1), summary(2), summary(3)]);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints', 'run-a')).sort(), ['round-2.ckpt', 'round-3.ckpt']);
    assert.deepEqual([...(await reopened.checkpoint('run-a', 3)).weights.values], [...weights.values]);
    await assert.rejects(() => reopened.checkpoint('run-a', 1), /missing/);
    await reopened.setState('run-a', 'RUN_STATE_COMPLETED', '', 2000);
    assert.equal((await reopened.runs())[0]!.finishedUnixMs, 2000);
    await reopened.close();
  });

  it("keeps a run's feature statistics across a reopen; runs without them have none", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
    const store = new RunStore(dir);
    await store.createRun('run-s', '{}', 'RUN_STATE_RUNNING', 1000);
    await store.createRun('run-plain', '{}', 'RUN_STATE_RUNNING', 1001);
    await store.saveStatistics('run-s', statistics);
    await store.close();

    const [withStatistics, without] = await new RunStore(dir).runs();
    assert.deepEqual(withStatistics?.statistics, statistics);
    assert.equal(without?.runId, 'run-plain');
    assert.equal('statistics' in without!, false);
  });

  it("brings an older build's state.db to this layout without losing its runs, and refuses a newer build's", async () => {
    // Prepare: a state.db as fedsift wrote it before feature statistics (layout 1, user_version 0)
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
    const old = new Database(join(dir, 'state.db'));
    old.exec(`
      CREATE TABLE runs (run_id TEXT PRIMARY KEY, config_json TEXT NOT NULL, state TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '', started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE rounds (run_id TEXT NOT NULL REFERENCES runs(run_id), round INTEGER NOT NULL,
        summary_json TEXT NOT NULL, PRIMARY KEY (run_id, round));
      INSERT INTO runs (run_id, config_json, state, started_ms) VALUES ('run-old', '{}', 'RUN_STATE_RUNNING', 5);`);
    old.close();

    // Execute
    const store = new RunStore(dir);
    await store.saveStatistics('run-old', statistics);
    const [run] = await store.runs();
    await store.close();
    const newer = new Database(join(dir, 'state.db'));
    newer.pragma('user_version = 99');
    newer.close();

    // Assert
    assert.equal(run?.runId, 'run-old');
    assert.deepEqual(run.statistics, statistics);
    assert.throws(
      () => new RunStore(dir),
      (err: unknown) =>
        err instanceof ConfigError && /layout version 99, a newer fedsift's; this one reads up to 2/.test(err.message),
    );
  });
});
