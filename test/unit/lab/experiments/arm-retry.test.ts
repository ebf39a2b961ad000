import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithRetry } from '../../../../coordinator/lab/experiments/index.js';

/** An arm runner's result: the run's final state, as the harness sees it. */
interface Ended {
  state: string;
}
const failureOf = (r: Ended) => (r.state === 'RUN_STATE_COMPLETED' ? undefined : `${r.state}: quorum not met`);

describe('runWithRetry (an arm that fails is run once more, then reported)', () => {
  it('succeeds on the first attempt without a retry', async () => {
    // Prepare
    const attempts: number[] = [];
    // Execute
    const r = await runWithRetry(async (attempt) => {
      attempts.push(attempt);
      return { state: 'RUN_STATE_COMPLETED' };
    }, failureOf);
    // Assert
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(r, { ok: true, value: { state: 'RUN_STATE_COMPLETED' }, attempts: 1, failures: [] });
  });

  it('retries an arm that failed to start (threw) and keeps the first reason', async () => {
    // Prepare
    const told: [number, string][] = [];
    const runner = async (attempt: number): Promise<Ended> => {
      if (attempt === 1) throw new Error('only 7 of the 10 clients needed within 90000 ms');
      return { state: 'RUN_STATE_COMPLETED' };
    };
    // Execute
    const r = await runWithRetry(runner, failureOf, 2, (attempt, reason) => told.push([attempt, reason]));
    // Assert
    assert.equal(r.ok, true);
    assert.equal(r.attempts, 2);
    assert.deepEqual(r.failures, ['did not run: only 7 of the 10 clients needed within 90000 ms']);
    assert.deepEqual(told, [[1, r.failures[0]]]);
  });

  it('retries an arm that failed mid-run (ended in another state)', async () => {
    // Prepare
    let calls = 0;
    // Execute
    const r = await runWithRetry(
      async () => ({ state: ++calls === 1 ? 'RUN_STATE_FAILED' : 'RUN_STATE_COMPLETED' }),
      failureOf,
    );
    // Assert
    assert.deepEqual(r, {
      ok: true,
      value: { state: 'RUN_STATE_COMPLETED' },
      attempts: 2,
      failures: ['RUN_STATE_FAILED: quorum not met'],
    });
  });

  it('reports an arm that always fails as failed after two attempts, with both reasons, without throwing', async () => {
    // Prepare
    let calls = 0;
    const runner = async (): Promise<Ended> => {
      calls++;
      if (calls === 1) throw new Error('port in use');
      return { state: 'RUN_STATE_FAILED' };
    };
    // Execute
    const r = await runWithRetry(runner, failureOf);
    // Assert
    assert.equal(calls, 2);
    assert.deepEqual(r, {
      ok: false,
      value: { state: 'RUN_STATE_FAILED' },
      attempts: 2,
      failures: ['did not run: port in use', 'RUN_STATE_FAILED: quorum not met'],
    });
  });

  it('leaves no value when the last attempt threw', async () => {
    // Execute
    const r = await runWithRetry(
      async (): Promise<Ended> => {
        throw new Error('coordinator did not start');
      },
      failureOf,
      3,
    );
    // Assert
    assert.equal(r.ok, false);
    assert.equal(r.value, undefined);
    assert.equal(r.attempts, 3);
    assert.equal(r.failures.length, 3);
  });
});
