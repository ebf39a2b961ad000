import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { MAX_UPLOAD_TRIES, nextUploadStep, type UploadRetryPolicy } from '../../../client-node/daemon/upload-retry.js';
import { createRng } from '../../../shared/random/index.js';

/** Backoff 100 ms doubling to 1.6 s, jitter from a seeded generator. */
const policy = (seed = 7): UploadRetryPolicy => ({ initialMs: 100, maxMs: 1_600, random: createRng(seed).next });
const NOW = 1_000_000;
const NO_DEADLINE = 0;

describe('nextUploadStep (when a daemon retries a failed upload)', () => {
  it('retries every transport failure: UNAVAILABLE, CANCELLED, INTERNAL, DEADLINE_EXCEEDED', () => {
    for (const code of [status.UNAVAILABLE, status.CANCELLED, status.INTERNAL, status.DEADLINE_EXCEEDED]) {
      assert.equal(nextUploadStep(code, 1, NO_DEADLINE, NOW, policy()).kind, 'retry', status[code]);
    }
  });

  it('gives up at once on a refusal of the update itself, which a retry would get again', () => {
    const refusals = [
      status.INVALID_ARGUMENT,
      status.PERMISSION_DENIED,
      status.UNAUTHENTICATED,
      status.ALREADY_EXISTS,
      status.RESOURCE_EXHAUSTED,
      status.ABORTED,
      status.NOT_FOUND,
    ];
    for (const code of refusals) {
      assert.deepEqual(nextUploadStep(code, 1, NO_DEADLINE, NOW, policy()), { kind: 'give-up' }, status[code]);
    }
  });

  it('waits for a later attempt when the attempt closed (FAILED_PRECONDITION)', () => {
    assert.deepEqual(nextUploadStep(status.FAILED_PRECONDITION, 1, NOW + 60_000, NOW, policy()), {
      kind: 'next-attempt',
    });
  });

  it('backs off exponentially with equal jitter, capped at maxMs: try n waits within [d/2, d], d = min(max, initial·2^(n−1))', () => {
    const rng = policy(3);
    for (let tries = 1; tries < MAX_UPLOAD_TRIES; tries++) {
      const d = Math.min(1_600, 100 * 2 ** (tries - 1));
      const step = nextUploadStep(status.UNAVAILABLE, tries, NO_DEADLINE, NOW, rng);
      assert.equal(step.kind, 'retry');
      const { delayMs } = step as { delayMs: number };
      assert.ok(delayMs >= d / 2 && delayMs <= d, `try ${tries}: ${delayMs} ms outside [${d / 2}, ${d}]`);
    }
  });

  it('spreads sites cut off at once: different random draws give different delays', () => {
    const delays = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map(
        (seed) =>
          (nextUploadStep(status.UNAVAILABLE, 4, NO_DEADLINE, NOW, policy(seed)) as { delayMs: number }).delayMs,
      ),
    );
    assert.ok(delays.size >= 6, `8 sites drew only ${delays.size} distinct delays: ${[...delays].join(', ')}`);
  });

  it('never retries at or past the attempt deadline: the update then waits for a later attempt', () => {
    // the 5th try's delay is at least 800 ms: a deadline 500 ms away leaves no room for it, 5 s away does
    assert.deepEqual(nextUploadStep(status.UNAVAILABLE, 5, NOW + 500, NOW, policy()), { kind: 'next-attempt' });
    assert.equal(nextUploadStep(status.UNAVAILABLE, 5, NOW + 5_000, NOW, policy()).kind, 'retry');
  });

  it(`gives up after ${MAX_UPLOAD_TRIES} tries of an attempt without a deadline`, () => {
    assert.equal(nextUploadStep(status.UNAVAILABLE, MAX_UPLOAD_TRIES - 1, NO_DEADLINE, NOW, policy()).kind, 'retry');
    assert.deepEqual(nextUploadStep(status.UNAVAILABLE, MAX_UPLOAD_TRIES, NO_DEADLINE, NOW, policy()), {
      kind: 'give-up',
    });
  });
});
