import type { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../../shared/config/index.js';
import { ForbiddenError, RateLimitedError, UnauthenticatedClientError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { AUTHORIZATION_METADATA_KEY, bearerTokenOf } from '../../shared/proto/index.js';
import { ClientRegistry } from '../clients/index.js';
import { roleOf, roleUri } from './certificate-role.js';
import { EnrolmentFile } from './enrolment-file.js';
import { RateLimiter } from './rate-limiter.js';

/** What a call shows of its caller: gRPC metadata and, over TLS, the client certificate (a grpc-js server call). */
export interface Caller {
  metadata: Metadata;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

/** Hex SHA-256 of a token, as stored in the enrolment file. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Who may call what: per-site enrolment tokens (checked on Join and bound to the site's client id on every later
 * call; the enrolment file is re-read when it changes), with mutual TLS the client certificate bound to its site the
 * same way and its role checked (a site's certificate takes part as that site, an operator's calls the Admin service;
 * neither does the other's), an admin token for the Admin service and the HTTP run API, and a Join rate limit per
 * peer address. With no enrolment file and no admin token, only the rate limit and the certificates apply
 * (development mode; the coordinator logs a warning).
 */
export class AccessControl {
  private readonly limiter: RateLimiter;

  /**
   * @param enrolment the sites' token hashes (null: enrolment off).
   * @param adminHash hash of the admin token (null: Admin open).
   * @param certificateBinding mutual TLS is on: a site's client certificate speaks only for the site of its common
   *        name, and only an operator's certificate may call the Admin service.
   */
  constructor(
    private readonly enrolment: EnrolmentFile | null,
    private readonly adminHash: string | null,
    joinsPerSecond: number,
    joinBurst: number,
    private readonly certificateBinding: boolean,
  ) {
    this.limiter = new RateLimiter(joinsPerSecond, joinBurst);
  }

  /**
   * Reads the enrolment file (`fedsift enrol` writes it); a later change that does not parse is logged and ignored.
   * @throws {ConfigError} naming the field when the file is missing or malformed at start.
   */
  static fromConfig(auth: AuthConfig, mutualTls: boolean, logger: Logger): AccessControl {
    const onReloadError = (err: Error) =>
      logger.error(
        { err: err.message },
        'the enrolment file changed but cannot be read; the enrolment read before stays in force',
      );
    const enrolment = auth.clientTokensFile ? new EnrolmentFile(auth.clientTokensFile, onReloadError) : null;
    return new AccessControl(
      enrolment,
      auth.adminToken ? tokenHash(auth.adminToken) : null,
      auth.joinsPerSecond,
      auth.joinBurst,
      mutualTls,
    );
  }

  get enrolmentRequired(): boolean {
    return this.enrolment !== null;
  }

  get adminTokenRequired(): boolean {
    return this.adminHash !== null;
  }

  /**
   * Join: rate limit per peer address, then (mutual TLS) the client certificate's site, then the site's token.
   * @throws {RateLimitedError} | {UnauthenticatedClientError} (no or unknown token) | {ForbiddenError} (another site's token or certificate)
   */
  checkJoin(siteId: string, token: string, peer: string, nowMs: number, caller: Caller): void {
    const address = peer.replace(/:\d+$/, '');
    if (!this.limiter.take(address, nowMs))
      throw new RateLimitedError(`too many Join calls from ${address}; retry later`);
    const certified = this.certifiedSite(caller);
    if (certified !== undefined && certified !== siteId)
      throw new ForbiddenError(`Join: the client certificate is for site "${certified}", not "${siteId}"`, {
        field: 'siteId',
      });
    if (!this.enrolment) return;
    const site = token ? this.enrolment.siteOf(tokenHash(token)) : undefined;
    if (site === undefined)
      throw new UnauthenticatedClientError(
        `Join: ${token ? 'unknown' : 'missing'} enrolment token for site "${siteId}"`,
        { field: 'token' },
      );
    if (site !== siteId)
      throw new ForbiddenError(`Join: this enrolment token belongs to another site, not "${siteId}"`, {
        field: 'token',
      });
  }

  /**
   * Any other Coordinator call: the bearer token must be the enrolment token of the site whose client id the call
   * names, and (mutual TLS) the client certificate that site's.
   * @throws {UnauthenticatedClientError} | {ForbiddenError}
   */
  checkClient(caller: Caller, clientId: string): void {
    const certified = this.certifiedSite(caller);
    if (certified !== undefined && ClientRegistry.clientIdFor(certified) !== clientId) {
      throw new ForbiddenError(`the client certificate is for site "${certified}", not for client ${clientId}`, {
        clientId,
      });
    }
    if (!this.enrolment) return;
    const token = bearer(caller.metadata);
    const owner = token ? this.enrolment.clientOf(tokenHash(token)) : undefined;
    if (owner === undefined)
      throw new UnauthenticatedClientError(`${token ? 'unknown' : 'missing'} enrolment token`, { clientId });
    if (owner !== clientId)
      throw new ForbiddenError(`this enrolment token does not belong to client ${clientId}`, { clientId });
  }

  /**
   * Admin calls: with mutual TLS the client certificate must be an operator's (role `urn:fedsift:role:operator`), and
   * the bearer token must be the admin token.
   * @throws {ForbiddenError} (a site's certificate) | {UnauthenticatedClientError} (no or a wrong admin token)
   */
  checkAdmin(caller: Caller): void {
    if (this.certificateBinding) {
      const cert = caller.getAuthContext().sslPeerCertificate;
      if (!cert || roleOf(cert) !== 'operator')
        throw new ForbiddenError(
          `Admin: the client certificate is a site's (${cert ? `"${commonName(cert) ?? ''}"` : 'none'}), not an operator's; under mutual TLS the Admin service takes an operator certificate (\`fedsift certs\` writes operator.pem; another PKI adds the URI ${roleUri('operator')} to its subject alternative names)`,
        );
    }
    const token = bearer(caller.metadata);
    if (!this.isAdmin(token))
      throw new UnauthenticatedClientError(
        `Admin: ${token ? 'wrong' : 'missing'} admin token (--admin-token or $FEDSIFT_ADMIN_TOKEN)`,
      );
  }

  /** Whether `token` may use the Admin service and the HTTP run API: it is the admin token, or none is required. */
  isAdmin(token: string | undefined): boolean {
    if (!this.adminHash) return true;
    return (
      token !== undefined && timingSafeEqual(Buffer.from(tokenHash(token), 'hex'), Buffer.from(this.adminHash, 'hex'))
    );
  }

  /**
   * With mutual TLS, the site the caller's certificate names (subject common name; `fedsift certs --sites` issues them
   * so); undefined without. @throws {ForbiddenError} when the certificate is an operator's or names no site.
   */
  private certifiedSite(caller: Caller): string | undefined {
    if (!this.certificateBinding) return undefined;
    const cert = caller.getAuthContext().sslPeerCertificate;
    if (cert && roleOf(cert) === 'operator')
      throw new ForbiddenError(
        "mutual TLS: the client certificate is an operator's: it calls the Admin service and cannot take part as a site; use the site's own certificate (`fedsift certs --sites`)",
      );
    const site = cert && commonName(cert);
    if (!site)
      throw new ForbiddenError('mutual TLS: the client certificate has no subject common name naming its site');
    return site;
  }
}

function commonName(cert: PeerCertificate): string | undefined {
  const cn = cert.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

function bearer(metadata: Metadata): string | undefined {
  return bearerTokenOf(metadata.get(AUTHORIZATION_METADATA_KEY)[0]);
}
