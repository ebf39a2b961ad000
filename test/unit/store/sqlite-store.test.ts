import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteRunStore } from '../../../coordinator/store/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { TEST_STATISTICS, testCheckpoint, testSummary } from '../../helpers/store-records.js';

describe('SQLite run store', () => {
  it('deletes the checkpoint files of rounds before the last two', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
    const store = new SqliteRunStore(dir);
    await store.createRun('run-a', '{}', 'RUN_STATE_RUNNING', 1000);

    // Execute
    for (const round of [1, 2, 3]) await store.commitRound('run-a', testSummary(round), testCheckpoint(round));
    await store.close();

    // Assert
    assert.deepEqual(readdirSync(join(dir, 'checkpoints', 'run-a')).sort(), ['round-2.ckpt', 'round-3.ckpt']);
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
    const store = new SqliteRunStore(dir);
    await store.saveStatistics('run-old', TEST_STATISTICS);
    const [run] = await store.runs();
    await store.reserveDispatchIds('run-old', 64);
    const [reserved] = await store.runs();
    await store.close();
    const newer = new Database(join(dir, 'state.db'));
    newer.pragma('user_version = 99');
    newer.close();

    // Assert
    assert.equal(run?.runId, 'run-old');
    assert.deepEqual(run.statistics, TEST_STATISTICS);
    assert.equal(run.dispatchIdsReserved, 0, 'no dispatch ids reserved before the layout had them');
    assert.equal(reserved?.dispatchIdsReserved, 64);
    assert.throws(
      () => new SqliteRunStore(dir),
      fedsiftError(ConfigError, /layout version 99, a newer fedsift's; this one reads up to 3/),
    );
  });
});
