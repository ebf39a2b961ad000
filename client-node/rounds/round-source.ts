import type { RoundAnnouncement } from '../../shared/proto/index.js';

/**
 * Where a client daemon hears round announcements: NATS JetStream or the coordinator's WatchRounds stream. Both
 * deliver the current announcement of every active run when they (re)connect, then each new one. A source keeps
 * reconnecting on its own until closed.
 */
export interface RoundSource {
  readonly name: string;
  /** Starts delivering announcements to `onAnnouncement`; returns at once. */
  start(onAnnouncement: (a: RoundAnnouncement) => void): void;
  close(): Promise<void>;
}

/** Exponential backoff delays: initial, 2×, 4×, … capped at max (ms). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}
