import { createHash } from 'node:crypto';
import { UnknownClientError } from '../../shared/errors/index.js';
import type { ClientCapabilities } from '../../shared/proto/index.js';

/** A joined client as the coordinator sees it. */
export interface ClientRecord {
  readonly clientId: string;
  readonly siteId: string;
  capabilities: ClientCapabilities;
  /** Last Join or Heartbeat (ms since epoch). */
  lastSeenMs: number;
  /** gRPC peer (address:port) of its last Join. */
  peer: string;
}

/**
 * Clients that joined, and which of them are live. A site's client id is derived from its site id, so a daemon that
 * reconnects, or a coordinator that restarts, keeps the same identity. Pure bookkeeping: the caller passes `now`.
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

  /** Registers (or refreshes) a site's client; returns its id. */
  join(siteId: string, capabilities: ClientCapabilities, nowMs: number, peer: string): ClientRecord {
    const clientId = this.idFor(siteId);
    const rec = this.clients.get(clientId) ?? { clientId, siteId, capabilities, lastSeenMs: nowMs, peer };
    rec.capabilities = capabilities;
    rec.lastSeenMs = nowMs;
    rec.peer = peer;
    this.clients.set(clientId, rec);
    return rec;
  }

  /** Records a heartbeat. @throws {UnknownClientError} for an id that never joined (the client must Join again). */
  heartbeat(clientId: string, nowMs: number): void {
    const rec = this.clients.get(clientId);
    if (!rec) throw new UnknownClientError(`client ${clientId} is not joined; call Join again`, { clientId });
    rec.lastSeenMs = nowMs;
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

  /** Ids of clients seen within the timeout, in join order; with `model`, only those whose data fits that model. */
  live(nowMs: number, model?: string): string[] {
    return [...this.clients.values()]
      .filter(
        (c) =>
          nowMs - c.lastSeenMs <= this.clientTimeoutMs &&
          (model === undefined || c.capabilities.models.includes(model)),
      )
      .map((c) => c.clientId);
  }
}
