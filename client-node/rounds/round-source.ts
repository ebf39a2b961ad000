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

/**
 * Several sources at once (NATS and the WatchRounds stream): an announcement missed by one — e.g. published while
 * NATS was down (BR-06) — still arrives through the other, which also replays the current round on every reconnect.
 * The daemon de-duplicates announcements by (run, round, attempt, coordinator).
 */
export class MergedRoundSource implements RoundSource {
  readonly name: string;

  constructor(private readonly sources: readonly RoundSource[]) {
    this.name = sources.map((s) => s.name).join('+');
  }

  start(onAnnouncement: (a: RoundAnnouncement) => void): void {
    for (const s of this.sources) s.start(onAnnouncement);
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }
}
