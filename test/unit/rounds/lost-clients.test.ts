import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRegistry } from '../../../coordinator/clients/index.js';
import { closeFailingLostClients, lostClientFailure } from '../../../coordinator/rounds/lost-clients.js';
import { waitFor } from '../../helpers/coordinators.js';
import { foldTestUpdate, openTestRound } from '../../helpers/open-rounds.js';

const CAPABILITIES = { numExamples: 1_000, backend: 'none', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' };

describe('an attempt with a selected client that stops heartbeating', () => {
  it('fails the silent client as lost, keeps waiting for the heartbeating one, and closes when it delivers', async () => {
    // Prepare: c0 and c1 joined at t = 0 and are selected; the clock is the test's
    let now = 0;
    const clients = new ClientRegistry(1_000, (siteId) => siteId);
    for (const id of ['c0', 'c1'])
      clients.join({ siteId: id, capabilities: CAPABILITIES, peer: 'peer', sessionId: id, takeover: false }, now);
    const round = openTestRound(4, ['c0', 'c1']);
    const closed = closeFailingLostClients(round, clients, { now: () => now });
    // Execute: 1.5 s pass; c1 heartbeated at 1 s, c0 never did
    clients.heartbeat('c1', 'c1', 1_000);
    now = 1_500;
    await waitFor('c0 failed', () => (round.failures.length > 0 ? true : undefined));
    // Check: only c0 failed, as lost; the attempt waits for c1, and closes once it delivers
    assert.deepEqual(round.failures, [{ clientId: 'c0', reason: lostClientFailure(1_000) }]);
    assert.equal(round.isOpen, true);
    foldTestUpdate(round, 'c1', 1, 4);
    assert.equal(await closed, 'all-answered');
    assert.deepEqual([...round.accepted.keys()], ['c1']);
  });
});
