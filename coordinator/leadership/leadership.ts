import type { EventEmitter } from 'node:events';
import type { FencingToken } from '../store/index.js';

/**
 * Who leads the federation. Only the leader runs rounds and answers clients and operators; the others stand by.
 * Events: `elected` (this coordinator took the lead: load the open runs and resume them), `lost` (it lost the lead —
 * its lease could not be renewed in time, or another coordinator holds it: stop running rounds at once).
 */
export interface Leadership extends EventEmitter<{ elected: []; lost: [reason: string] }> {
  /** True while this coordinator holds the lead. */
  readonly isLeader: boolean;
  /**
   * The token writes to the shared state carry while this coordinator leads; null when it does not. A store that
   * is not shared (SQLite) is not fenced: {@link SoleLeadership} returns null and is not passed as a fence.
   */
  token(): FencingToken | null;
  /** The leader's advertised address as last seen ('' when unknown or none). */
  leaderAddress(): string;
  /**
   * Starts campaigning. Resolves once the first attempt at the lead is decided — `elected` emitted, or standing by (a
   * failed attempt is logged and retried) — so a coordinator that can lead does so before it reports started. Never
   * rejects. SoleLeadership: elected at once.
   */
  start(): Promise<void>;
  /**
   * Gives the lead up now (`lost` with `reason`; a shared lease is released for a standby) and goes on campaigning.
   * For a leader that cannot serve (its runs could not be loaded). Nothing happens when it does not lead.
   */
  resign(reason: string): void;
  /** Stops campaigning and, when leading, releases the lease so that a standby takes over without waiting. */
  close(): Promise<void>;
}
