import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Checklist,
  failed,
  formatCheck,
  formatSummary,
  passed,
  skipped,
  type CheckResult,
} from '../../../client-node/preflight/checklist.js';

describe('preflight Checklist', () => {
  it('skips a check whose prerequisite failed or was skipped, without running it, and passes values on', async () => {
    // Prepare
    const printed: CheckResult[] = [];
    const list = new Checklist((r) => printed.push(r));
    let ran = false;
    // Execute
    const value = await list.run('a', [], () => passed('a works', 42));
    await list.run('b', ['a'], () => failed('b is broken', 3));
    await list.run('c', ['b'], () => ((ran = true), passed('c works', 1)));
    await list.run('d', ['c', 'a'], () => passed('d works', 1));
    // Assert
    assert.equal(value, 42);
    assert.equal(ran, false);
    assert.deepEqual(
      printed.map((r) => [r.name, r.status, r.detail]),
      [
        ['a', 'pass', 'a works'],
        ['b', 'fail', 'b is broken'],
        ['c', 'skip', 'skipped: needs b to pass'],
        ['d', 'skip', 'skipped: needs c to pass'],
      ],
    );
  });

  it('turns a check that throws into a failure with exit code 1, and the exit code is the first failure’s', async () => {
    const list = new Checklist();
    await list.run('a', [], () => skipped('nothing to check'));
    assert.equal(list.exitCode, 0, 'a skipped check is no failure');
    await list.run('b', [], () => {
      throw new Error('boom');
    });
    await list.run('c', [], () => failed('refused', 4));
    assert.deepEqual(list.results[1], { name: 'b', status: 'fail', detail: 'unexpected error: boom', exitCode: 1 });
    assert.equal(list.exitCode, 1);
  });

  it('prints one line per check and a summary that names the failed and skipped ones', () => {
    const r = (name: string, status: CheckResult['status']): CheckResult => ({
      name,
      status,
      detail: 'd',
      exitCode: 0,
    });
    assert.equal(formatCheck(r('tls', 'fail')), '✗ tls         d');
    assert.equal(formatCheck(r('coordinator', 'pass')), '✓ coordinator d');
    assert.equal(formatSummary([r('a', 'pass'), r('b', 'pass')]), 'all checks passed (2 passed)');
    assert.equal(formatSummary([r('a', 'pass'), r('n', 'skip')]), 'all checks passed (1 passed; skipped: n)');
    assert.equal(
      formatSummary([r('a', 'fail'), r('b', 'skip'), r('c', 'pass')]),
      '1 of 3 checks failed (a; skipped: b)',
    );
  });
});
