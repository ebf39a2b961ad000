import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { leaderNamedBy, nextAddress, type CallFailure } from '../../../client-node/link/index.js';

const LIST = ['10.0.0.1:50051', '10.0.0.2:50051', '10.0.0.3:50051'];

/** A connection refused or dropped: UNAVAILABLE without a fedsift code. */
const unreachable: CallFailure = { code: status.UNAVAILABLE, details: 'No connection established' };

/** A standby's refusal naming `leader`. */
const standby = (leader: string): CallFailure => ({
  code: status.UNAVAILABLE,
  fedsiftCode: 'FS_ERR_NOT_LEADER',
  details: `this coordinator is a standby; the leader is ${leader}`,
});

describe('which coordinator address a client tries after a failed call', () => {
  it('an unreachable address: the next entry, round the list', () => {
    assert.deepEqual(nextAddress(LIST, { index: 0, address: LIST[0]! }, unreachable), {
      index: 1,
      address: LIST[1],
      reason: 'unreachable',
    });
    assert.deepEqual(nextAddress(LIST, { index: 2, address: LIST[2]! }, unreachable), {
      index: 0,
      address: LIST[0],
      reason: 'unreachable',
    });
  });

  it('a standby naming a listed leader: that entry, skipping those between', () => {
    assert.deepEqual(nextAddress(LIST, { index: 0, address: LIST[0]! }, standby('10.0.0.3:50051')), {
      index: 2,
      address: LIST[2],
      reason: 'standby named the leader',
    });
  });

  it('a standby naming a leader outside the list: that address; a failure there goes on after the standby', () => {
    // Execute
    const there = nextAddress(LIST, { index: 1, address: LIST[1]! }, standby('coord-9.example:7000'));
    const after = nextAddress(LIST, there!, unreachable);
    // Assert
    assert.deepEqual(there, { index: 1, address: 'coord-9.example:7000', reason: 'standby named the leader' });
    assert.deepEqual(after, { index: 2, address: LIST[2], reason: 'unreachable' });
  });

  it('a standby naming no dialable leader, or itself: the next entry', () => {
    for (const leader of ['unknown', '0.0.0.0:50051', '[::]:50051', LIST[0]!]) {
      const step = nextAddress(LIST, { index: 0, address: LIST[0]! }, standby(leader));
      assert.deepEqual(step, { index: 1, address: LIST[1], reason: 'standby' }, leader);
    }
  });

  it('one address: stays there (its channel reconnects), unless a standby names another leader', () => {
    const one = ['127.0.0.1:50051'];
    assert.deepEqual(nextAddress(one, { index: 0, address: one[0]! }, unreachable), {
      index: 0,
      address: one[0],
      reason: 'unreachable',
    });
    assert.equal(
      nextAddress(one, { index: 0, address: one[0]! }, standby('127.0.0.1:50052'))?.address,
      '127.0.0.1:50052',
    );
  });

  it('a failure other than UNAVAILABLE is no reason to change coordinator', () => {
    for (const code of [status.NOT_FOUND, status.PERMISSION_DENIED, status.ALREADY_EXISTS, status.DEADLINE_EXCEEDED])
      assert.equal(nextAddress(LIST, { index: 0, address: LIST[0]! }, { code, details: 'x' }), undefined, status[code]);
  });

  it("reads the leader's address from a standby's message, in the list's form", () => {
    assert.equal(leaderNamedBy('this coordinator is a standby; the leader is 10.0.0.2:50051'), '10.0.0.2:50051');
    assert.equal(leaderNamedBy('this coordinator is a standby; the leader is [::1]:50051.'), '[::1]:50051');
    assert.equal(leaderNamedBy('the leader is coord-a.example:50051 (since 3 s)'), 'coord-a.example:50051');
    assert.equal(leaderNamedBy('this coordinator is a standby; no leader is known'), undefined);
    assert.equal(leaderNamedBy('this coordinator is a standby; the leader is 10.0.0.2'), undefined);
  });
});
