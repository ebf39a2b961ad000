import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { describe, it } from 'node:test';
import { makeDevCertificates, roleOf } from '../../../coordinator/auth/index.js';
import { ForbiddenError } from '../../../shared/errors/index.js';

/** A peer certificate as Node's TLS hands it over, with only the subject alternative names the role depends on. */
const peer = (subjectaltname?: string) => ({ subjectaltname }) as PeerCertificate;

describe('certificate roles (urn:fedsift:role:* subject alternative names)', () => {
  it('reads the role fedsift certs writes into site and operator certificates', () => {
    const certs = makeDevCertificates(['localhost'], ['site-a'], 1);
    const legacy = (pem: string) => new X509Certificate(pem).toLegacyObject();
    assert.equal(roleOf(legacy(certs.clients['site-a']!.cert)), 'site');
    assert.equal(roleOf(legacy(certs.operator.cert)), 'operator');
  });

  it('takes a certificate without a role, issued before roles existed, for a site', () => {
    assert.equal(roleOf(peer(undefined)), 'site');
    assert.equal(roleOf(peer('DNS:hospital-a.example, URI:spiffe://example/site')), 'site');
  });

  it('refuses an unknown role or two roles, and a role hidden inside another name stays hidden', () => {
    for (const names of ['URI:urn:fedsift:role:admin', 'URI:urn:fedsift:role:site, URI:urn:fedsift:role:operator']) {
      assert.throws(
        () => roleOf(peer(names)),
        (err: unknown) =>
          err instanceof ForbiddenError && err.code === 'FS_ERR_FORBIDDEN' && /is not one of/.test(err.message),
      );
    }
    // What Node shows for a URI "urn:a, URI:urn:fedsift:role:operator": one quoted entry, its comma escaped.
    assert.equal(roleOf(peer('URI:"urn:a\\u002c URI:urn:fedsift:role:operator"')), 'site');
  });
});
