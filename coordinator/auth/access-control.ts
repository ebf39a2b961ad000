import type { Metadata } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readJsonFile, type AuthConfig } from '../../shared/config/index.js';
import { ConfigError, ForbiddenError, RateLimitedError, UnauthenticatedClientError } from '../../shared/errors/index.js';
import { AUTHORIZATION_METADATA_KEY } from '../../shared/proto/index.js';
import { ClientRegistry } from '../clients/index.js';
import { RateLimiter } from './rate-limiter.js';


/** Hex SHA-256 of a token, as stored in the enrolment file. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Who may call what: per-site enrolment tokens (checked on Join and bound to the site's client id on every later
 * call), an admin token for the Admin service, and a Join rate limit per peer address. With no enrolment file and no
 * admin token, only the rate limit applies (development mode; the coordinator logs a warning).
 */
export class AccessControl {
  private readonly limiter: RateLimiter;
  /** token hash → the client id of its site, derived once (null: enrolment off). */
  private readonly clientOfHash: ReadonlyMap<string, string> | null;

  /**
   * @param siteOfHash token hash → site id (null: enrolment off).
   * @param adminHash hash of the admin token (null: Admin open).
   */
  constructor(
    private readonly siteOfHash: ReadonlyMap<string, string> | null,
    private readonly adminHash: string | null,
    joinsPerSecond: number,
    joinBurst: number,
  ) {
    this.limiter = new RateLimiter(joinsPerSecond, joinBurst);
    this.clientOfHash = siteOfHash && new Map([...siteOfHash].map(([hash, site]) => [hash, ClientRegistry.clientIdFor(site)]));
  }

  /**
   * Reads the enrolment file (`{"<site id>": "<hex SHA-256 of its token>"}`, written by `fedsift enrol`).
   * @throws {ConfigError} naming the field when the file is missing or malformed.
   */
  static fromConfig(auth: AuthConfig): AccessControl {
    return new AccessControl(auth.clientTokensFile ? readEnrolment(auth.clientTokensFile) : null, auth.adminToken ? tokenHash(auth.adminToken) : null, auth.joinsPerSecond, auth.joinBurst);
  }

  get enrolmentRequired(): boolean {
    return this.siteOfHash !== null;
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
    if (!this.siteOfHash) return;
    const site = token ? this.siteOfHash.get(tokenHash(token)) : undefined;
    if (site === undefined) throw new UnauthenticatedClientError(`Join: ${token ? 'unknown' : 'missing'} enrolment token for site "${siteId}"`, { field: 'token' });
    if (site !== siteId) throw new ForbiddenError(`Join: this enrolment token belongs to another site, not "${siteId}"`, { field: 'token' });
  }

  /**
   * Any other Coordinator call: the bearer token must be the enrolment token of the site whose client id the call names.
   * @throws {UnauthenticatedClientError} | {ForbiddenError}
   */
  checkClient(metadata: Metadata, clientId: string): void {
    if (!this.clientOfHash) return;
    const token = bearer(metadata);
    const owner = token ? this.clientOfHash.get(tokenHash(token)) : undefined;
    if (owner === undefined) throw new UnauthenticatedClientError(`${token ? 'unknown' : 'missing'} enrolment token`, { clientId });
    if (owner !== clientId) throw new ForbiddenError(`this enrolment token does not belong to client ${clientId}`, { clientId });
  }

  /** Admin calls: the bearer token must be the admin token. @throws {UnauthenticatedClientError} */
  checkAdmin(metadata: Metadata): void {
    if (!this.adminHash) return;
    const token = bearer(metadata);
    const ok = token !== undefined && timingSafeEqual(Buffer.from(tokenHash(token), 'hex'), Buffer.from(this.adminHash, 'hex'));
    if (!ok) throw new UnauthenticatedClientError(`Admin: ${token ? 'wrong' : 'missing'} admin token (--admin-token or $FEDSIFT_ADMIN_TOKEN)`);
  }
}

function bearer(metadata: Metadata): string | undefined {
  const value = metadata.get(AUTHORIZATION_METADATA_KEY)[0];
  const match = typeof value === 'string' ? /^Bearer (.+)$/.exec(value) : null;
  return match?.[1];
}

function readEnrolment(path: string): Map<string, string> {
  const field = 'auth.clientTokensFile';
  if (!existsSync(path)) throw new ConfigError(`${field}: ${path} does not exist (create it with \`fedsift enrol\`)`, { field });
  const out = new Map<string, string>();
  for (const [site, hash] of Object.entries(readJsonFile(path, `enrolment file (${field})`))) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw new ConfigError(`${field}: site "${site}" needs a hex SHA-256 token hash`, { field });
    out.set(hash, site);
  }
  return out;
}
