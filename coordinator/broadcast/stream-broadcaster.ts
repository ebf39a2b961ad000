import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { RoundBroadcaster } from './broadcaster.js';

type Listener = (a: RoundAnnouncement) => void;

/**
 * Broadcast over the WatchRounds gRPC server stream: keeps the latest announcement of each run, and in an
 * asynchronous run each site's latest dispatch batch (RoundAnnouncement.dispatch: later batches name other sites),
 * and pushes new ones to every open stream. Works with no external service, so the demo runs on a bare machine.
 */
export class StreamBroadcaster implements RoundBroadcaster {
  readonly name = 'grpc-stream';
  private readonly latest = new Map<string, RoundAnnouncement>();
  /** Run id → client id → the latest dispatch batch that selected the client. */
  private readonly dispatches = new Map<string, Map<string, RoundAnnouncement>>();
  private readonly listeners = new Set<Listener>();

  async announce(a: RoundAnnouncement): Promise<void> {
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      this.latest.delete(a.runId);
      this.dispatches.delete(a.runId);
    } else this.latest.set(a.runId, a);
    if (a.dispatch) {
      const byClient = this.dispatches.get(a.runId) ?? new Map<string, RoundAnnouncement>();
      for (const id of a.selectedClientIds) byClient.set(id, a);
      this.dispatches.set(a.runId, byClient);
    }
    for (const l of this.listeners) l(a);
  }

  /**
   * Calls `listener` with the current announcement of every active run (and, for `clientId`, its latest dispatch
   * batch of each asynchronous run when a later batch was announced since), then with each new one.
   * @returns a function that stops the calls.
   */
  subscribe(listener: Listener, clientId?: string): () => void {
    for (const [runId, a] of this.latest) {
      const own = clientId === undefined ? undefined : this.dispatches.get(runId)?.get(clientId);
      if (own && own !== a) listener(own);
      listener(a);
    }
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
