import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { EventEmitter } from 'node:events';
import { CoordinatorRole, SoleLeadership, type Leadership } from '../../../coordinator/leadership/index.js';
import { silentLogger } from '../../../shared/logging/index.js';

/** A leadership that leads in a new generation at each start() and gives the lead up at resign(). */
class TermsLeadership extends EventEmitter<{ elected: []; lost: [reason: string] }> implements Leadership {
  isLeader = false;
  generation = 0;
  token() {
    return this.isLeader ? { holder: 'me', generation: this.generation } : null;
  }
  leaderAddress() {
    return '';
  }
  async start() {
    [this.isLeader, this.generation] = [true, this.generation + 1];
    this.emit('elected');
  }
  resign(reason: string) {
    this.isLeader = false;
    this.emit('lost', reason);
  }
  async close() {
    this.isLeader = false;
  }
}

/** The runs' side of a role switch: records restore/close in order; restore waits for `loaded` when given. */
function recordingManager(loaded?: Promise<void>, failure?: Error) {
  const calls: string[] = [];
  return {
    calls,
    async restore() {
      calls.push('restore');
      await loaded;
      if (failure) throw failure;
      calls.push('restored');
      return [];
    },
    async close() {
      calls.push('close');
    },
  };
}

describe('coordinator role (follows the leadership)', () => {
  it('serves once the runs are loaded, and on losing the lead stops serving before it suspends them', async () => {
    // Prepare
    const leadership = new SoleLeadership();
    const manager = recordingManager();
    const role = new CoordinatorRole({ leadership, manager, logger: silentLogger() });
    const seen: string[] = [];
    role.on('serving', (serving) => seen.push(`serving ${serving} after ${manager.calls.join(',')}`));

    // Execute
    await role.start();
    const servingWhileLeading = role.serving();
    const stoppedServing = once(role, 'serving');
    leadership.resign('test');
    const servingOnceLost = role.serving();
    await stoppedServing;
    const roleOnceLost = role.role;
    await role.close();

    // Assert
    assert.deepEqual([servingWhileLeading, servingOnceLost, roleOnceLost], [true, false, 'standby']);
    assert.deepEqual(seen, ['serving true after restore,restored', 'serving false after restore,restored']);
    assert.deepEqual(manager.calls, ['restore', 'restored', 'close', 'close']);
  });

  it('a lead lost while the runs load is never served: the runs are suspended once loaded', async () => {
    // Prepare
    const leadership = new SoleLeadership();
    let load!: () => void;
    const manager = recordingManager(new Promise<void>((resolve) => (load = resolve)));
    const role = new CoordinatorRole({ leadership, manager, logger: silentLogger() });
    const seen: boolean[] = [];
    role.on('serving', (serving) => seen.push(serving));

    // Execute
    const started = role.start();
    await Promise.resolve(); // the restore is under way
    leadership.resign('test');
    load();
    await started;

    // Assert
    assert.deepEqual(seen, [false]);
    assert.equal(role.role, 'standby');
    assert.deepEqual(manager.calls, ['restore', 'restored', 'close']);
    await role.close();
  });

  it('start() rejects with the error of loading the runs when it takes the lead at start', async () => {
    // Prepare
    const failure = new Error('state unreadable');
    const role = new CoordinatorRole({
      leadership: new SoleLeadership(),
      manager: recordingManager(undefined, failure),
      logger: silentLogger(),
    });

    // Execute + Assert
    await assert.rejects(role.start(), failure);
    assert.equal(role.serving(), false);
    await role.close();
  });
  it('takes a new coordinator id each time it takes the lead again, so daemons train the resumed rounds anew', async () => {
    // Prepare
    const leadership = new SoleLeadership();
    const role = new CoordinatorRole({ leadership, manager: recordingManager(), logger: silentLogger() });
    await role.start();
    const first = role.coordinatorId;

    // Execute: the lead lost, then taken again by the same process
    const stopped = once(role, 'serving');
    leadership.resign('test');
    await stopped;
    const whileStandingBy = role.coordinatorId;
    const served = once(role, 'serving');
    await leadership.start();
    await served;

    // Assert
    assert.equal(whileStandingBy, first);
    assert.notEqual(role.coordinatorId, first);
    assert.match(role.coordinatorId, /^[0-9a-f-]{36}$/);
    await role.close();
  });
  it("fences writes with the token of the lead they belong to: none from the moment it is lost, the new one's after", async () => {
    // Prepare
    const leadership = new TermsLeadership();
    const role = new CoordinatorRole({ leadership, manager: recordingManager(), logger: silentLogger() });
    await role.start();
    const first = role.fence();

    // Execute: the lead lost (a write of it still under way would read the fence now), then taken again
    leadership.resign('cut off');
    const onceLost = role.fence();
    const served = once(role, 'serving');
    await leadership.start();
    await served;
    await once(role, 'serving');

    // Assert
    assert.deepEqual(first, { holder: 'me', generation: 1 });
    assert.equal(onceLost, null);
    assert.deepEqual(role.fence(), { holder: 'me', generation: 2 });
    await role.close();
  });
});
