import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { attemptDeadlineMs } from '../../../coordinator/rounds/attempt-deadline.js';

const fixed = parseRunConfig({ roundDeadlineMs: 60_000 });
const adaptive = parseRunConfig({ roundDeadlineMs: 60_000, adaptiveDeadline: { factor: 2, minMs: 5_000 } });

describe('attemptDeadlineMs', () => {
  it('gives every attempt roundDeadlineMs without adaptiveDeadline', () => {
    assert.equal(attemptDeadlineMs(fixed, 1, 4_000), 60_000);
  });

  it("gives a first attempt factor × the previous round's slowest update, within [minMs, roundDeadlineMs]", () => {
    assert.equal(attemptDeadlineMs(adaptive, 1, 7_000), 14_000);
    assert.equal(attemptDeadlineMs(adaptive, 1, 1_000), 5_000, 'not below minMs');
    assert.equal(attemptDeadlineMs(adaptive, 1, 45_000), 60_000, 'not above roundDeadlineMs');
    assert.equal(attemptDeadlineMs(adaptive, 1, 1_234.5), 5_000);
    assert.equal(attemptDeadlineMs(adaptive, 1, 3_000.2), 6_001, 'whole milliseconds, rounded up');
  });

  it('gives round 1 (nothing observed yet) and retry attempts the full roundDeadlineMs', () => {
    assert.equal(attemptDeadlineMs(adaptive, 1, undefined), 60_000);
    assert.equal(attemptDeadlineMs(adaptive, 2, 7_000), 60_000);
  });

  it('defaults to factor 2 and minMs 10000, and names a bad field', () => {
    assert.deepEqual(parseRunConfig({ adaptiveDeadline: {} }).adaptiveDeadline, { factor: 2, minMs: 10_000 });
    assert.equal(parseRunConfig({}).adaptiveDeadline, null);
    assert.throws(() => parseRunConfig({ adaptiveDeadline: { factor: 0.5 } }), /adaptiveDeadline\.factor/);
  });
});
