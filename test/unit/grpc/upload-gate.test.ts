import assert from 'node:assert/strict';
import { setImmediate as grants } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { UploadGate } from '../../../coordinator/grpc/index.js';

describe('UploadGate', () => {
  it('lets uploads in while they fit, queues the rest first come first served, and always lets one in', async () => {
    // Prepare: room for 10 bytes
    const gate = new UploadGate(10);
    const order: string[] = [];
    // Execute
    const leaveA = gate.enter(6, () => order.push('a'));
    const leaveB = gate.enter(6, () => order.push('b')); // 12 > 10: waits
    const leaveC = gate.enter(3, () => order.push('c')); // would fit, but waits behind b
    const beforeGrants = [...order];
    await grants();
    const queued = { order: [...order], waiting: gate.waiting, used: gate.inUseBytes };
    leaveA();
    const afterA = { order: [...order], used: gate.inUseBytes };
    leaveB();
    leaveC();
    const big = gate.enter(50, () => order.push('big')); // larger than the limit, nothing else in: proceeds
    await grants();
    // Check: grants run after enter() returned, so leave() always exists when one runs
    assert.deepEqual(beforeGrants, []);
    assert.deepEqual(queued, { order: ['a'], waiting: 2, used: 6 });
    assert.deepEqual(afterA, { order: ['a', 'b', 'c'], used: 9 });
    assert.deepEqual(order, ['a', 'b', 'c', 'big']);
    assert.equal(gate.inUseBytes, 50);
    big();
    assert.equal(gate.inUseBytes, 0);
    assert.equal(gate.peakBytes, 50);
  });

  it('forgets an upload that leaves while still waiting, and lets the next one in', async () => {
    const gate = new UploadGate(4);
    const order: string[] = [];
    const leaveA = gate.enter(4, () => order.push('a'));
    const leaveB = gate.enter(4, () => order.push('b'));
    gate.enter(4, () => order.push('c'));
    await grants();
    leaveB(); // b's client gave up before its turn
    leaveB(); // a second call changes nothing
    leaveA();
    assert.deepEqual(order, ['a', 'c']);
    assert.equal(gate.waiting, 0);
    assert.equal(gate.inUseBytes, 4);
  });
});
