import { createHash } from 'node:crypto';
import {
  SiteInUseError,
  SiteTakenOverError,
  UnauthenticatedClientError,
  UnknownClientError,
} from '../../shared/errors/index.js';
import type { ClientCapabilities, SiteConflicts } from '../../shared/proto/index.js';

/** A joined client (one per site) as the coordinator sees it. */
export interface ClientRecord {
  readonly clientId: string;
  readonly siteId: string;
  capabilities: ClientCapabilities;
  /** Last Join or Heartbeat of the holding session (ms since epoch). */
  lastSeenMs: number;
  /** gRPC peer (address:port) of the holding session's last Join. */
  peer: string;
  /** Session of the daemon that speaks for the site: the only one whose calls are taken. */
  sessionId: string;
  /** When that session joined (ms since epoch). */
  heldSinceMs: number;
  /** Joins of other daemons refused while the site had a live one. */
  refusedJoins: number;
  /** Joins that took the site over from a live daemon. */
  takeovers: number;
}

/** What a Join claims: a site, for one daemon's session. */
export interface JoinClaim {
  siteId: string;
  capabilities: ClientCapabilities;
  /** gRPC peer (address:port) of the Join. */
  peer: string;
  /** The daemon's session (the same for every call, and every re-join, of one daemon process). */
  sessionId: string;
  /** Cut off a live daemon of the site instead of being refused. */
  takeover: boolean;
}

/** A granted Join. */
export interface JoinOutcome {
  record: ClientRecord;
  /** The live daemon a takeover cut off: its peer and how long since it was heard (ms); absent otherwise. */
  tookOverFrom?: { peer: string; silentMs: number };
}

/**
 * Clients that joined, which of them are live, and which daemon speaks for each site. A site's client id is derived
 * from its site id, so a daemon that reconnects, or a coordinator that restarts, keeps the same identity. One daemon
 * per site: a Join from another session while the site's daemon is live is refused (SiteInUseError) unless it asks
 * to take over; once another session holds the site, the calls of the one before are refused (SiteTakenOverError).
 * The same session re-joining (after a network blip, or a coordinator restart) is no conflict, and neither is a new
 * one once the previous daemon has been silent past the client timeout. Pure bookkeeping: the caller passes `now`.
 */
export class ClientRegistry {
  private readonly clients = new Map<string, ClientRecord>();

  /**
   * @param clientTimeoutMs a client not seen for longer is not live.
   * @param idFor a site's client id. @default ClientRegistry.clientIdFor (hashed); the in-process simulation keeps
   *        its virtual clients' own ids.
   */
  constructor(
    readonly clientTimeoutMs: number,
    readonly idFor: (siteId: string) => string = ClientRegistry.clientIdFor,
  ) {}

  /** Stable client id of a site: `c-` + first 12 hex digits of SHA-256(siteId). */
  static clientIdFor(siteId: string): string {
    return 'c-' + createHash('sha256').update(siteId).digest('hex').slice(0, 12);
  }

  /**
   * Registers (or refreshes) a site's client for the claiming session; a takeover of a live daemon is counted and
   * reported in the outcome. @throws {SiteInUseError} when another session's daemon of the site is live and the claim
   * does not take over (counted); the message names the site, that daemon's peer, when it would count as gone and
   * the takeover option.
   */
  join(claim: JoinClaim, nowMs: number): JoinOutcome {
    const { siteId, capabilities, peer, sessionId } = claim;
    const clientId = this.idFor(siteId);
    const rec = this.clients.get(clientId);
    const held = { capabilities, lastSeenMs: nowMs, peer, sessionId };
    if (!rec) {
      const fresh = { clientId, siteId, ...held, heldSinceMs: nowMs, refusedJoins: 0, takeovers: 0 };
      this.clients.set(clientId, fresh);
      return { record: fresh };
    }
    let tookOverFrom: JoinOutcome['tookOverFrom'];
    if (rec.sessionId !== sessionId) {
      if (this.isLive(clientId, nowMs)) {
        if (!claim.takeover) {
          rec.refusedJoins++;
          throw new SiteInUseError(this.inUseMessage(rec, nowMs), { clientId, field: 'site_id' });
        }
        rec.takeovers++;
        tookOverFrom = { peer: rec.peer, silentMs: nowMs - rec.lastSeenMs };
      }
      rec.heldSinceMs = nowMs;
    }
    Object.assign(rec, held);
    return { record: rec, tookOverFrom };
  }

  /**
   * The record of a client whose call comes from `sessionId`.
   * @throws {UnknownClientError} for an id that never joined (the client must Join again); {SiteTakenOverError} when
   *         another session holds the site.
   */
  checkSession(clientId: string, sessionId: string): ClientRecord {
    const rec = this.clients.get(clientId);
    if (!rec) throw new UnknownClientError(`client ${clientId} is not joined; call Join again`, { clientId });
    if (rec.sessionId !== sessionId) {
      throw new SiteTakenOverError(
        `site "${rec.siteId}" is held by another daemon since ${new Date(rec.heldSinceMs).toISOString()} ` +
          `(peer ${rec.peer}): it took the site over, or joined after this daemon fell silent; this daemon no longer ` +
          'takes part. Stop it; to move the site back, start a daemon with --takeover',
        { clientId },
      );
    }
    return rec;
  }

  /**
   * The client whose site `sessionId` holds, for calls that name no client (the SecureAggregation stream).
   * @throws {UnauthenticatedClientError} when no site, or more than one, is held by that session.
   */
  clientOfSession(sessionId: string): string {
    const held = sessionId ? [...this.clients.values()].filter((c) => c.sessionId === sessionId) : [];
    if (held.length !== 1)
      throw new UnauthenticatedClientError(
        held.length === 0
          ? 'this call names no client: its session (fedsift-session metadata) must hold a joined site'
          : `session ${sessionId} holds ${held.length} sites; one daemon session speaks for one site`,
      );
    return held[0]!.clientId;
  }

  /** Records a heartbeat of the site's session. @throws see checkSession */
  heartbeat(clientId: string, sessionId: string, nowMs: number): void {
    this.checkSession(clientId, sessionId).lastSeenMs = nowMs;
  }

  /** @throws {UnknownClientError} when the id never joined. */
  get(clientId: string): ClientRecord {
    const rec = this.clients.get(clientId);
    if (!rec) throw new UnknownClientError(`client ${clientId} is not joined`, { clientId });
    return rec;
  }

  /** True when the client joined and was seen within the timeout. */
  isLive(clientId: string, nowMs: number): boolean {
    const rec = this.clients.get(clientId);
    return rec !== undefined && nowMs - rec.lastSeenMs <= this.clientTimeoutMs;
  }

  /**
   * Ids of clients seen within the timeout, in join order; with `fits`, only those whose capabilities it accepts (a
   * run's eligibility: its data fits the run's model and schema, see coordinator/rounds eligibility).
   */
  live(nowMs: number, fits?: (capabilities: ClientCapabilities) => boolean): string[] {
    return [...this.clients.values()]
      .filter((c) => nowMs - c.lastSeenMs <= this.clientTimeoutMs && (fits === undefined || fits(c.capabilities)))
      .map((c) => c.clientId);
  }

  /** Sites a second daemon tried to speak for (a refused Join or a takeover), in join order; empty when none. */
  conflicts(): SiteConflicts[] {
    return [...this.clients.values()]
      .filter((c) => c.refusedJoins + c.takeovers > 0)
      .map(({ siteId, refusedJoins, takeovers, peer }) => ({ siteId, refusedJoins, takeovers, peer }));
  }

  private inUseMessage(rec: ClientRecord, nowMs: number): string {
    const silentMs = nowMs - rec.lastSeenMs;
    const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(1);
    return (
      `Join: site "${rec.siteId}" already has a live daemon (peer ${rec.peer}, heard ${seconds(silentMs)} s ago); ` +
      `one daemon speaks for a site. That daemon counts as gone after ${seconds(this.clientTimeoutMs)} s without a ` +
      `heartbeat (clientTimeoutMs), in ${seconds(this.clientTimeoutMs - silentMs)} s at the earliest: stop it, or ` +
      'start this one with --takeover to cut it off'
    );
  }
}
