/**
 * One client sent off to train in an asynchronous run: from the model of `round` (version round − 1), under the
 * dispatch batch `id` (its announcement's `attempt`, which the update's header repeats).
 */
export interface Dispatch {
  readonly key: string;
  readonly clientId: string;
  readonly round: number;
  readonly id: number;
  /** Ends the dispatch at its deadline (timed runs). */
  timer?: NodeJS.Timeout;
  /** Called once the dispatch ends (Dispatches.end or clear): its upload in flight is refused. */
  readonly endListeners: Set<() => void>;
}

/** The key naming a client's dispatch: its client id and dispatch batch id (UpdateHeader.attempt). */
export function dispatchKey(clientId: string, id: number): string {
  return `${clientId}/${id}`;
}

/**
 * The outstanding dispatches of an asynchronous run: at most one per client (a client is busy from its dispatch until
 * its update is folded, refused or its deadline passes). Batch ids come from DispatchIds, so a key never repeats in a
 * run, across coordinator restarts too.
 */
export class Dispatches {
  private readonly byClient = new Map<string, Dispatch>();

  /** Clients training now. */
  get size(): number {
    return this.byClient.size;
  }

  isBusy(clientId: string): boolean {
    return this.byClient.has(clientId);
  }

  /** Records one dispatch of batch `id`; with a deadline, `onDeadline` gets it `ms` later (to end it). */
  open(
    clientId: string,
    round: number,
    id: number,
    deadline?: { ms: number; onDeadline: (d: Dispatch) => void },
  ): Dispatch {
    const d: Dispatch = { key: dispatchKey(clientId, id), clientId, round, id, endListeners: new Set() };
    if (deadline) d.timer = setTimeout(() => deadline.onDeadline(d), deadline.ms);
    this.byClient.set(clientId, d);
    return d;
  }

  /** The client's outstanding dispatch named by `key`; undefined when it has none, or another. */
  get(clientId: string, key: string): Dispatch | undefined {
    const d = this.byClient.get(clientId);
    return d?.key === key ? d : undefined;
  }

  /** Whether `d` is still its client's outstanding dispatch (not ended: folded, failed, past its deadline). */
  isOutstanding(d: Dispatch): boolean {
    return this.byClient.get(d.clientId) === d;
  }

  /** The client's outstanding dispatch, whatever its key. */
  of(clientId: string): Dispatch | undefined {
    return this.byClient.get(clientId);
  }

  /** Ends a dispatch (the client is free again). @returns whether it was outstanding. */
  end(d: Dispatch): boolean {
    if (this.byClient.get(d.clientId) !== d) return false;
    this.byClient.delete(d.clientId);
    closeDispatch(d);
    return true;
  }

  /** Every outstanding dispatch. */
  all(): Dispatch[] {
    return [...this.byClient.values()];
  }

  /** The rounds (base models) outstanding dispatches train from. */
  rounds(): Set<number> {
    return new Set(this.all().map((d) => d.round));
  }

  /** Ends every dispatch (the run stopped or made its last version). */
  clear(): void {
    const all = this.all();
    this.byClient.clear();
    all.forEach(closeDispatch);
  }
}

/** Stops an ended dispatch's deadline and tells its listeners (after the current task's synchronous work). */
function closeDispatch(d: Dispatch): void {
  clearTimeout(d.timer);
  const listeners = [...d.endListeners];
  d.endListeners.clear();
  queueMicrotask(() => listeners.forEach((l) => l()));
}
