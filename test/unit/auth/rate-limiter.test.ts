import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../coordinator/auth/index.js';

describe('RateLimiter (token bucket, time passed in)', () => {
  it('allows a burst, refuses past it, and refills at the rate', () => {
    const limit = new RateLimiter(2, 3); // 2 per second, burst 3
    assert.deepEqual(
      [0, 0, 0, 0].map((t) => limit.take('a', t)),
      [true, true, true, false],
    );
    assert.equal(limit.take('b', 0), true, 'keys are independent');
    assert.equal(limit.take('a', 400), false, '0.8 tokens after 400 ms');
    assert.equal(limit.take('a', 500), true, 'one token after 500 ms');
    assert.throws(() => new RateLimiter(0, 1), RangeError);
  });

  it('still limits a key after the map was pruned past 10,000 keys', () => {
    const limit = new RateLimiter(1, 1);
    for (let i = 0; i < 10_001; i++) limit.take(`k${i}`, 0);
    assert.equal(limit.take('k0', 0), false);
    assert.equal(limit.take('k0', 1_000), true);
  });
});
