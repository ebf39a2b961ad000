import type { Metadata } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../../shared/config/index.js';
import { ForbiddenError, RateLimitedError, UnauthenticatedClientError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { AUTHORIZATION_METADATA_KEY } from '../../shared/proto/index.js';
import { EnrolmentFile } from './enrolment-file.js';
import { RateLimiter } from './rate-limiter.js';


/** Hex SHA-256 of a token, as stored in the enrolment file. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Who may call what: per-site enrolment tokens (checked on Join and bound to the site's client id on every later
 * call; the enrolment file is re-read when it changes), an admin token for the Admin service, and a Join rate limit
 * per peer address. With no enrolment file and no admin token, only the rate limit applies (development mode; the
 * coordinator logs a warning).
 */
export class AccessControl {
  private readonly limiter: RateLimiter;

  /**
   * @param enrolment the sites' token hashes (null: enrolment off).
   * @param adminHash hash of the admin token (null: Admin open).
   */
  constructor(
    private readonly enrolment: EnrolmentFile | null,
    private readonly adminHash: string | null,
    joinsPerSecond: number,
    joinBurst: number,
  ) {
    this.limiter = new RateLimiter(joinsPerSecond, joinBurst);
  }

  /**
   * Reads the enrolment file (`fedsift enrol` writes it); a later change that does not parse is logged and ignored.
   * @throws {ConfigError} naming the field when the file is missing or malformed at start.
   */
  static fromConfig(auth: AuthConfig, logger: Logger): AccessControl {
    const onReloadError = (err: Error) => logger.error({ err: err.message }, 'the enrolment file changed but cannot be read; the enrolment read before stays in force');
    const enrolment = auth.clientTokensFile ? new EnrolmentFile(auth.clientTokensFile, onReloadError) : null;
    return new AccessControl(enrolment, auth.adminToken ? tokenHash(auth.adminToken) : null, auth.joinsPerSecond, auth.joinBurst);
  }

  get enrolmentRequired(): boolean {
    return this.enrolment !== null;
  }

  get adminTokenRequired(): boolean {
    return this.adminHash !== null;
  }

  /**
   * Join: rate limit per peer address, then the site's token.
   * @throws {RateLimitedError} | {UnauthenticatedClientError} (no or unknown token) | {ForbiddenError} (another site's token)
   */
  checkJoin(siteId: string, token: string, peer: string, nowMs: number): void {
    const address = peer.replace(/:\d+$/, '');
    if (!this.limiter.take(address, nowMs)) throw new RateLimitedError(`too many Join calls from ${address}; retry later`);
    if (!this.enrolment) return;
    const site = token ? this.enrolment.siteOf(tokenHash(token)) : undefined;
    if (site === undefined) throw new UnauthenticatedClientError(`Join: ${token ? 'unknown' : 'missing'} enrolment token for site "${siteId}"`, { field: 'token' });
    if (site !== siteId) throw new ForbiddenError(`Join: this enrolment token belongs to another site, not "${siteId}"`, { field: 'token' });
  }

  /**
   * Any other Coordinator call: the bearer token must be the enrolment token of the site whose client id the call names.
   * @throws {UnauthenticatedClientError} | {ForbiddenError}
   */
  checkClient(metadata: Metadata, clientId: string): void {
    if (!this.enrolment) return;
    const token = bearer(metadata);
    const owner = token ? this.enrolment.clientOf(tokenHash(token)) : undefined;
    if (owner === undefined) throw new UnauthenticatedClientError(`${token ? 'unknown' : 'missing'} enrolment token`, { clientId });
    if (owner !== clientId) throw new ForbiddenError(`this enrolment token does not belong to client ${clientId}`, { clientId });
  }

  /** Admin calls: the bearer token must be the admin token. @throws {UnauthenticatedClientError} */
  checkAdmin(metadata: Metadata): void {
    const token = bearer(metadata);
    if (!this.isAdmin(token)) throw new UnauthenticatedClientError(`Admin: ${token ? 'wrong' : 'missing'} admin token (--admin-token or $FEDSIFT_ADMIN_TOKEN)`);
  }

  /** Whether `token` may use the Admin service and the HTTP run API: it is the admin token, or none is required. */
  isAdmin(token: string | undefined): boolean {
    if (!this.adminHash) return true;
    return token !== undefined && timingSafeEqual(Buffer.from(tokenHash(token), 'hex'), Buffer.from(this.adminHash, 'hex'));
  }
}

function bearer(metadata: Metadata): string | undefined {
  const value = metadata.get(AUTHORIZATION_METADATA_KEY)[0];
  const match = typeof value === 'string' ? /^Bearer (.+)$/.exec(value) : null;
  return match?.[1];
}
