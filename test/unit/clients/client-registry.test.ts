import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRegistry } from '../../../coordinator/clients/index.js';
import {
  SiteInUseError,
  SiteTakenOverError,
  UnauthenticatedClientError,
  UnknownClientError,
} from '../../../shared/errors/index.js';

const TIMEOUT_MS = 10_000;
const CAPABILITIES = { numExamples: 100, backend: 'cpu', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' };

/** A Join claim of site `siteId` by session `sessionId` from `peer`. */
const claim = (sessionId: string, peer: string, takeover = false, siteId = 'hospital-a') => ({
  siteId,
  capabilities: CAPABILITIES,
  peer,
  sessionId,
  takeover,
});

const is = (cls: new (...a: never[]) => Error, code: string, fragment: RegExp) => (e: unknown) =>
  e instanceof cls && (e as { code?: string }).code === code && fragment.test(e.message);

describe('ClientRegistry: one daemon per site', () => {
  it('refuses a second session while the first is live, naming the site, its peer, when it lapses and --takeover', () => {
    // Prepare
    const registry = new ClientRegistry(TIMEOUT_MS);
    const { record } = registry.join(claim('s1', '10.0.0.1:4000'), 1_000);
    // Execute
    const second = () => registry.join(claim('s2', '10.0.0.2:5000'), 3_500);
    // Assert
    assert.throws(
      second,
      is(
        SiteInUseError,
        'FS_ERR_SITE_IN_USE',
        /site "hospital-a" already has a live daemon \(peer 10\.0\.0\.1:4000, heard 2\.5 s ago\).*gone after 10\.0 s without a heartbeat \(clientTimeoutMs\), in 7\.5 s at the earliest.*--takeover/,
      ),
    );
    assert.equal(record.sessionId, 's1', 'the first daemon keeps the site');
    assert.equal(record.peer, '10.0.0.1:4000');
    registry.heartbeat(record.clientId, 's1', 4_000); // and its calls are still taken
    assert.deepEqual(registry.conflicts(), [
      { siteId: 'hospital-a', refusedJoins: 1, takeovers: 0, peer: '10.0.0.1:4000' },
    ]);
  });

  it('lets the same session re-join from another connection (a network blip) without a conflict', () => {
    // Prepare
    const registry = new ClientRegistry(TIMEOUT_MS);
    registry.join(claim('s1', '10.0.0.1:4000'), 1_000);
    // Execute
    const { record, tookOverFrom } = registry.join(claim('s1', '10.0.0.1:4001'), 2_000);
    // Assert
    assert.equal(tookOverFrom, undefined);
    assert.equal(record.peer, '10.0.0.1:4001');
    assert.equal(record.heldSinceMs, 1_000, 'the same holding');
    assert.deepEqual(registry.conflicts(), []);
  });

  it('hands the site to a new session once the first was silent past the timeout; the first is then refused', () => {
    // Prepare
    const registry = new ClientRegistry(TIMEOUT_MS);
    const first = registry.join(claim('s1', '10.0.0.1:4000'), 1_000).record;
    // Execute
    const { tookOverFrom } = registry.join(claim('s2', '10.0.0.2:5000'), 1_000 + TIMEOUT_MS + 1);
    // Assert
    assert.equal(tookOverFrom, undefined, 'not a takeover: the first daemon was gone');
    assert.deepEqual(registry.conflicts(), []);
    assert.throws(
      () => registry.heartbeat(first.clientId, 's1', 20_000),
      is(
        SiteTakenOverError,
        'FS_ERR_SITE_TAKEN_OVER',
        /site "hospital-a" is held by another daemon since .*\(peer 10\.0\.0\.2:5000\)/,
      ),
    );
  });

  it('with takeover, gives the site to the new session at once and refuses every later call of the old one', () => {
    // Prepare
    const registry = new ClientRegistry(TIMEOUT_MS);
    const { clientId } = registry.join(claim('s1', '10.0.0.1:4000'), 1_000).record;
    // Execute
    const { record, tookOverFrom } = registry.join(claim('s2', '10.0.0.2:5000', true), 2_000);
    // Assert
    assert.deepEqual(tookOverFrom, { peer: '10.0.0.1:4000', silentMs: 1_000 });
    assert.equal(record.clientId, clientId, 'one client id per site, whoever holds it');
    assert.equal(record.sessionId, 's2');
    assert.throws(() => registry.checkSession(clientId, 's1'), SiteTakenOverError);
    assert.throws(() => registry.heartbeat(clientId, 's1', 2_500), SiteTakenOverError);
    assert.equal(registry.checkSession(clientId, 's2'), record);
    assert.throws(
      () => registry.join(claim('s1', '10.0.0.1:4000'), 3_000),
      SiteInUseError,
      'the old one cannot re-join',
    );
    assert.deepEqual(registry.live(3_000), [clientId], 'the site counts once');
    assert.deepEqual(registry.conflicts(), [
      { siteId: 'hospital-a', refusedJoins: 1, takeovers: 1, peer: '10.0.0.2:5000' },
    ]);
  });

  it('tells a call of a client that never joined to Join', () => {
    const registry = new ClientRegistry(TIMEOUT_MS);
    assert.throws(
      () => registry.checkSession('c-nobody', 's1'),
      is(UnknownClientError, 'FS_ERR_UNKNOWN_CLIENT', /not joined; call Join again/),
    );
  });

  it('keeps sites apart: a session of one site never conflicts with another site', () => {
    const registry = new ClientRegistry(TIMEOUT_MS);
    registry.join(claim('s1', '10.0.0.1:4000'), 1_000);
    registry.join(claim('s2', '10.0.0.2:5000', false, 'hospital-b'), 1_000);
    assert.equal(registry.live(1_000).length, 2);
    assert.deepEqual(registry.conflicts(), []);
  });
});

describe('ClientRegistry: the client of a session', () => {
  it('names the site a session holds, and refuses a session that holds none or several', () => {
    // Prepare
    const registry = new ClientRegistry(TIMEOUT_MS);
    const { record } = registry.join(claim('s1', '10.0.0.1:4000'), 1_000);
    registry.join(claim('s2', '10.0.0.2:4000', false, 'hospital-b'), 1_000);
    registry.join(claim('s2', '10.0.0.2:4000', false, 'hospital-c'), 1_000);
    // Execute, Assert
    assert.equal(registry.clientOfSession('s1'), record.clientId);
    const refused = (fragment: RegExp) => is(UnauthenticatedClientError, 'FS_ERR_UNAUTHENTICATED', fragment);
    assert.throws(() => registry.clientOfSession(''), refused(/its session \(fedsift-session metadata\) must hold/));
    assert.throws(() => registry.clientOfSession('s3'), refused(/must hold a joined site/));
    assert.throws(() => registry.clientOfSession('s2'), refused(/session s2 holds 2 sites/));
  });
});
