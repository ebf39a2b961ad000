import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAnnouncement, identityFromJoin } from '../../../client-node/daemon/coordinator-identity.js';
import { PROTOCOL_VERSION } from '../../../shared/contract/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { JoinResponse, RoundAnnouncement } from '../../../shared/proto/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';

const NOW = 1_700_000_000_000;
const OWN = { coordinatorId: 'coord-1', federationId: 'fed-a' };

/** A FIT announcement of coordinator coord-1 in federation fed-a selecting `me`, open for another minute. */
const announcement = (o: Partial<RoundAnnouncement> = {}): RoundAnnouncement =>
  testAnnouncement({ round: 2, deadlineUnixMs: NOW + 60_000, ...o });

const joinResponse = (o: Partial<JoinResponse> = {}): JoinResponse => ({
  clientId: 'me',
  heartbeatIntervalMs: 2000,
  maxChunkBytes: 1 << 20,
  coordinatorId: 'coord-1',
  protocolVersion: PROTOCOL_VERSION,
  federationId: 'fed-a',
  ...o,
});

describe("a daemon's view of its coordinator: which announcements it plays", () => {
  it("plays its coordinator's announcements, whatever they select", () => {
    assert.equal(classifyAnnouncement(announcement(), OWN, 'me', NOW), 'play');
    assert.equal(classifyAnnouncement(announcement({ selectedClientIds: ['other'] }), OWN, 'me', NOW), 'play');
    assert.equal(classifyAnnouncement(announcement({ phase: 'ROUND_PHASE_RUN_DONE' }), OWN, 'me', NOW), 'play');
  });

  it('ignores another federation, even a live round that selects this client (no re-join)', () => {
    const foreign = announcement({ federationId: 'fed-b', coordinatorId: 'coord-9' });
    assert.equal(classifyAnnouncement(foreign, OWN, 'me', NOW), 'other-federation');
    assert.equal(classifyAnnouncement(announcement({ federationId: '' }), OWN, 'me', NOW), 'other-federation');
  });

  it('re-joins for a live round that selects this client from another process of its coordinator (a restart)', () => {
    assert.equal(classifyAnnouncement(announcement({ coordinatorId: 'coord-2' }), OWN, 'me', NOW), 'rejoin');
    assert.equal(
      classifyAnnouncement(announcement({ coordinatorId: 'coord-2', deadlineUnixMs: 0 }), OWN, 'me', NOW),
      'rejoin',
      'an untimed round stays open',
    );
  });

  it("takes an earlier process's leftovers in the stream as stale: ended runs, passed deadlines, rounds of others", () => {
    const earlier = (o: Partial<RoundAnnouncement>) => announcement({ coordinatorId: 'coord-0', ...o });
    for (const a of [
      earlier({ phase: 'ROUND_PHASE_RUN_DONE', selectedClientIds: [] }),
      earlier({ deadlineUnixMs: NOW }),
      earlier({ selectedClientIds: ['other'] }),
    ])
      assert.equal(classifyAnnouncement(a, OWN, 'me', NOW), 'stale');
  });

  it('reads an older coordinator that names no federation, and its announcements, as the default federation', () => {
    const own = identityFromJoin(joinResponse({ federationId: undefined }));
    assert.deepEqual(own, { coordinatorId: 'coord-1', federationId: 'default' });
    assert.equal(classifyAnnouncement(announcement({ federationId: '' }), own, 'me', NOW), 'play');
  });

  it('refuses a coordinator whose federation id would not be a NATS token, or of another protocol revision', () => {
    const refusal = (message: RegExp) => (err: unknown) =>
      err instanceof ConfigError &&
      err.code === 'FS_ERR_CONFIG' &&
      err.field === 'coordinator' &&
      message.test(err.message);
    assert.throws(
      () => identityFromJoin(joinResponse({ federationId: 'fed.>' })),
      refusal(/the coordinator's federation id must be 1 to 64 letters.*got "fed\.>"/),
    );
    assert.throws(
      () => identityFromJoin(joinResponse({ protocolVersion: PROTOCOL_VERSION + 1 })),
      refusal(/the coordinator speaks fedsift protocol revision/),
    );
  });
});
