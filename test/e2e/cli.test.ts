import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Coordinator } from '../../coordinator/main.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator } from '../helpers/coordinators.js';

describe('fedsift CLI', () => {
  let c: Coordinator;
  before(async () => {
    c = await startTestCoordinator();
  });
  after(() => c.close());

  it('prints --help for every command', async () => {
    for (const cmd of [[], ['coordinator'], ['client'], ['run'], ['run', 'start'], ['run', 'status'], ['run', 'watch'], ['run', 'stop'], ['run', 'list'], ['demo']]) {
      const r = await runFedsift([...cmd, '--help']);
      assert.equal(r.code, 0, `fedsift ${cmd.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /Usage: fedsift/);
    }
  });

  it('exits 2 naming the field for a bad run config, before contacting the coordinator', async () => {
    const r = await runFedsift(['run', 'start', '--rounds', '0', '--coordinator', c.address]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid run config:\n\s+rounds: /);
    assert.equal(c.manager.list().length, 0);
  });

  it('exits 2 for a client with a malformed data spec', async () => {
    const r = await runFedsift(['client', '--site-id', 's', '--data', 'parquet:x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--data "parquet:x": expected mnist, csv:PATH or idx:IMAGES,LABELS/);
  });

  it('exits 3 when the coordinator is unreachable', async () => {
    const r = await runFedsift(['run', 'list', '--coordinator', '127.0.0.1:1']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /coordinator unreachable/);
  });

  it('starts, lists, shows and stops a run with --json', async () => {
    const started = JSON.parse((await runFedsift(['run', 'start', '--rounds', '2', '--min-clients', '1', '--json', '--coordinator', c.address])).stdout);
    assert.equal(started.state, 'RUN_STATE_WAITING');
    assert.equal(started.totalRounds, 2);
    const listed = JSON.parse((await runFedsift(['run', 'list', '--json', '--coordinator', c.address])).stdout);
    assert.deepEqual(listed.map((r: { runId: string }) => r.runId), [started.runId]);
    const stopped = await runFedsift(['run', 'stop', started.runId, '--coordinator', c.address]);
    assert.equal(stopped.code, 0);
    const shown = await runFedsift(['run', 'status', started.runId, '--coordinator', c.address]);
    assert.match(shown.stdout, new RegExp(`run ${started.runId}: stopped`));
    const missing = await runFedsift(['run', 'status', 'run-nope', '--coordinator', c.address]);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /NOT_FOUND: no run with id "run-nope"/);
    const watchMissing = await runFedsift(['run', 'watch', 'run-nope', '--coordinator', c.address]);
    assert.equal(watchMissing.code, 4);
    assert.match(watchMissing.stderr, /NOT_FOUND/);
  });
});
