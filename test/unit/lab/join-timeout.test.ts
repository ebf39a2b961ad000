import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOIN_BASE_MS, JOIN_PER_CLIENT_MS, joinTimeoutMsFor } from '../../../coordinator/lab/federation/index.js';

describe('joinTimeoutMsFor (the wait for client processes to join)', () => {
  it('grows with the number of client processes', () => {
    // Execute / Assert
    assert.equal(joinTimeoutMsFor(2), JOIN_BASE_MS + 2 * JOIN_PER_CLIENT_MS);
    assert.equal(joinTimeoutMsFor(10), 260_000);
    assert.ok(joinTimeoutMsFor(20) > joinTimeoutMsFor(10));
  });

  it('refuses a count that is not a non-negative integer', () => {
    // Execute / Assert
    assert.throws(() => joinTimeoutMsFor(-1), RangeError);
    assert.throws(() => joinTimeoutMsFor(2.5), /non-negative integer, got 2.5/);
  });
});
