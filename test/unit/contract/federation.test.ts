import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_FEDERATION_ID,
  federationIdProblem,
  federationOf,
  roundsStream,
  roundsSubject,
  roundsSubjects,
} from '../../../shared/contract/index.js';

describe('federation ids and the NATS names derived from them', () => {
  it('names subjects and a stream per federation: fedsift.<id>.rounds.<run id> in FEDSIFT_ROUNDS_<id>', () => {
    assert.equal(roundsSubject('hospital-net', 'run-1'), 'fedsift.hospital-net.rounds.run-1');
    assert.equal(roundsSubjects('hospital-net'), 'fedsift.hospital-net.rounds.>');
    assert.equal(roundsStream('hospital-net'), 'FEDSIFT_ROUNDS_hospital-net');
  });

  it('reads a peer that names no federation (an older build) as the default one', () => {
    assert.equal(federationOf(''), DEFAULT_FEDERATION_ID);
    assert.equal(federationOf(undefined), DEFAULT_FEDERATION_ID);
    assert.equal(federationOf('lab-2'), 'lab-2');
  });

  it('says why an id cannot be one: it would split or widen a NATS subject', () => {
    assert.equal(federationIdProblem('lab-2_x'), undefined);
    for (const bad of ['a.b', 'a*', 'a>', 'a b', '', 'x'.repeat(65)])
      assert.match(federationIdProblem(bad)!, /must be 1 to 64 letters, digits, "-" or "_"/);
  });
});
