import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { GrpcStatus, InvalidUpdateError, StaleRoundError } from '../../../shared/errors/index.js';
import {
  CURRENT_ROUND_METADATA_KEY,
  ERROR_CODE_METADATA_KEY,
  toServiceError,
} from '../../../shared/grpc-errors/index.js';

describe('gRPC status of fedsift errors', () => {
  it('uses the numbers grpc-js uses for every status code', () => {
    for (const [name, code] of Object.entries(GrpcStatus))
      assert.equal(code, status[name as keyof typeof status], name);
    assert.equal(Object.keys(GrpcStatus).length, Object.keys(status).filter((k) => Number.isNaN(Number(k))).length);
  });

  it('maps a FedsiftError to its status, message, code and round', () => {
    const s = toServiceError(new StaleRoundError('round 2 is open', { round: 2 }));
    assert.equal(s.code, status.ABORTED);
    assert.equal(s.details, 'round 2 is open');
    assert.equal(s.metadata?.get(ERROR_CODE_METADATA_KEY)[0], 'FS_ERR_STALE_ROUND');
    assert.equal(s.metadata?.get(CURRENT_ROUND_METADATA_KEY)[0], '2');
    assert.equal(toServiceError(new InvalidUpdateError('bad')).code, status.INVALID_ARGUMENT);
  });

  it('turns any other error into INTERNAL with a generic message, handing it to onUnexpected', () => {
    const seen: unknown[] = [];
    const boom = Object.assign(new Error('secret detail'), { code: 'ENOENT' });
    const s = toServiceError(boom, (e) => seen.push(e));
    assert.equal(s.code, status.INTERNAL);
    assert.equal(s.details, 'internal error in the coordinator');
    assert.deepEqual(seen, [boom]);
  });
});
