import type { RunStore } from '../../store/index.js';

/** Dispatch batch ids reserved per store write: about one write per this many updates (a batch per folded update). */
const RESERVE_BLOCK = 64;

/**
 * The dispatch batch ids of an asynchronous run, increasing and never repeated across coordinator restarts: an id is
 * handed out only once the store durably holds a reserved mark at or above it (RunStore.reserveDispatchIds, a block of
 * RESERVE_BLOCK ids per write), and a resumed run starts after the mark its predecessor reserved. A restart so skips
 * the ids reserved and not used instead of reusing them, and an update of a dispatch from before the restart never
 * names one made after it. Without a store the run cannot resume: every id is available at once.
 */
export class DispatchIds {
  private nextId: number;
  /** The highest id the store holds reserved (Infinity without a store). */
  private reserved: number;
  private reserving = false;

  /**
   * @param o.from where a resumed run stands: the store's mark (StoredRun.dispatchIdsReserved, 0 for none) and its
   *   checkpoint's next id (AsyncCheckpoint.nextDispatch, which counts for state an older fedsift wrote, without a
   *   mark); nothing in a new run. @param o.onReserved called once a reservation is durable (ids can be taken again).
   *   @param o.onFailure called with the store's error when a reservation fails (no id is taken after it).
   */
  constructor(
    private readonly o: {
      runId: string;
      store?: Pick<RunStore, 'reserveDispatchIds'>;
      from: { reserved: number; nextDispatch?: number };
      onReserved(): void;
      onFailure(err: Error): void;
    },
  ) {
    this.nextId = Math.max(o.from.reserved + 1, o.from.nextDispatch ?? 1);
    this.reserved = o.store ? this.nextId - 1 : Infinity;
  }

  /** The id the next batch gets (what a checkpoint records as nextDispatch). */
  get next(): number {
    return this.nextId;
  }

  /**
   * The next id, when the store holds it reserved; otherwise undefined, and the next block is being reserved
   * (onReserved follows once it is durable).
   */
  take(): number | undefined {
    if (this.nextId <= this.reserved) return this.nextId++;
    this.reserve();
    return undefined;
  }

  private reserve(): void {
    if (this.reserving) return;
    this.reserving = true;
    const through = this.nextId + RESERVE_BLOCK - 1;
    this.o.store!.reserveDispatchIds(this.o.runId, through).then(
      () => {
        this.reserving = false;
        this.reserved = through;
        this.o.onReserved();
      },
      (err: unknown) => this.o.onFailure(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
