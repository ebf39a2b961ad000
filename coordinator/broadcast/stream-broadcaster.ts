import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { RoundBroadcaster } from './broadcaster.js';

type Listener = (a: RoundAnnouncement) => void;

/**
 * Broadcast over the WatchRounds gRPC server stream: keeps the latest announcement of each run and pushes new ones
 * to every open stream. Works with no external service, so the demo runs on a bare machine.
 */
export class StreamBroadcaster implements RoundBroadcaster {
  readonly name = 'grpc-stream';
  private readonly latest = new Map<string, RoundAnnouncement>();
  private readonly listeners = new Set<Listener>();

  async announce(a: RoundAnnouncement): Promise<void> {
    if (a.phase === 'ROUND_PHASE_RUN_DONE') this.latest.delete(a.runId);
    else this.latest.set(a.runId, a);
    for (const l of this.listeners) l(a);
  }

  /**
   * Calls `listener` with the current announcement of every active run, then with each new one.
   * @returns a function that stops the calls.
   */
  subscribe(listener: Listener): () => void {
    for (const a of this.latest.values()) listener(a);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Sends every announcement through several broadcasters (NATS plus the gRPC stream, so both kinds of client hear it). */
export class FanoutBroadcaster implements RoundBroadcaster {
  readonly name: string;

  constructor(private readonly targets: readonly RoundBroadcaster[]) {
    this.name = targets.map((t) => t.name).join('+');
  }

  async announce(a: RoundAnnouncement): Promise<void> {
    const results = await Promise.allSettled(this.targets.map((t) => t.announce(a)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  healthy(): boolean {
    return this.targets.every((t) => t.healthy());
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.targets.map((t) => t.close()));
  }
}
