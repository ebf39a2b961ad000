import type { PeerCertificate } from 'node:tls';
import { ForbiddenError } from '../../shared/errors/index.js';

/** What a client certificate may do under mutual TLS: take part as a site, or operate runs (the Admin service). */
export type CertificateRole = 'site' | 'operator';

const ROLE_URI_PREFIX = 'urn:fedsift:role:';
const ROLES: readonly CertificateRole[] = ['site', 'operator'];

/**
 * The subject alternative name (a URI) that marks a certificate's role, e.g. `urn:fedsift:role:operator`: `fedsift
 * certs` writes it, another PKI adds it to the certificates it issues for fedsift.
 */
export function roleUri(role: CertificateRole): string {
  return `${ROLE_URI_PREFIX}${role}`;
}

/**
 * The role a client certificate is marked with: its one `urn:fedsift:role:*` URI subject alternative name; a
 * certificate without one is a site's (certificates issued before roles existed keep working as sites).
 * @throws {ForbiddenError} when the certificate names an unknown role, or more than one.
 */
export function roleOf(cert: PeerCertificate): CertificateRole {
  // Node lists the names as `URI:…, DNS:…` and quotes any value with a comma or quote in it, its comma escaped
  // (`URI:"a\u002c URI:…"`), so no value can fake an entry of its own.
  const marks = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((name) => name.startsWith(`URI:${ROLE_URI_PREFIX}`))
    .map((name) => name.slice(`URI:${ROLE_URI_PREFIX}`.length));
  if (marks.length === 0) return 'site';
  const role = marks[0] as CertificateRole;
  if (marks.length > 1 || !ROLES.includes(role))
    throw new ForbiddenError(
      `mutual TLS: the client certificate's role (${marks.map((m) => ROLE_URI_PREFIX + m).join(', ')}) is not one of ${ROLES.map(roleUri).join(', ')}`,
    );
  return role;
}
