import { assertSameSpecs, viewAsFloat32, type ModelWeights } from '../../shared/codec/index.js';
import { DuplicateUpdateError, InvalidUpdateError, NotSelectedError } from '../../shared/errors/index.js';
import { specsFromWire, type UpdateHeader } from '../../shared/proto/index.js';
import type { ClientFailure, EvaluateResult, FitAccumulator, FitInstruction } from '../strategies/index.js';
import type { EncodedModel } from './encoded-model.js';
import { UpdateValueCheck } from './update-checks.js';

/** Why an open round closed. */
export type CloseReason = 'all-answered' | 'deadline' | 'stopped';

/**
 * One attempt of one round while it accepts updates: who was selected, what arrived, what failed. Folds accepted
 * updates straight into the strategy's accumulator. Closes when every selected client has answered (update or
 * failure), at the deadline, or when the run stops.
 */
export class OpenRound {
  readonly selected: ReadonlySet<string>;
  /** sha256 of each accepted update, by client id (for idempotent re-submission). */
  readonly accepted = new Map<string, string>();
  readonly failures: ClientFailure[] = [];
  readonly evaluations: EvaluateResult[] = [];
  readonly closed: Promise<CloseReason>;
  private resolveClosed!: (r: CloseReason) => void;
  private isClosed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    readonly round: number,
    readonly attempt: number,
    readonly instructions: readonly FitInstruction[],
    readonly deadlineUnixMs: number,
    readonly model: EncodedModel,
    readonly global: ModelWeights,
    private readonly accumulator: FitAccumulator,
    nowMs: number,
    /** Largest accepted ‖update − global‖₂; null = no bound. */
    private readonly maxUpdateNorm: number | null = null,
    /** Receive buffers the accumulator gave back, for the next uploads (FedAvg family: no allocation per update);
     *  the run passes the same list to every round, so a model-sized buffer is not allocated afresh each round. */
    private readonly spareBuffers: Uint8Array[] = [],
  ) {
    this.selected = new Set(instructions.map((i) => i.clientId));
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.timer = setTimeout(() => this.close('deadline'), Math.max(0, deadlineUnixMs - nowMs));
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /**
   * Calls `listener` on a microtask after the round closes (an upload still running then is refused); it must not
   * throw. @returns unsubscribe: call it once the listener is no longer needed, so the round keeps nothing of it.
   */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Clients that sent an accepted update or failed (a client is in at most one of the two). */
  get answered(): number {
    return this.accepted.size + this.failures.length;
  }

  close(reason: CloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (reason === 'deadline')
      for (const id of this.selected) this.addFailure(id, 'no update before the round deadline');
    clearTimeout(this.timer);
    this.resolveClosed(reason);
    queueMicrotask(() => {
      const listeners = [...this.closeListeners];
      this.closeListeners.clear();
      for (const listener of listeners) listener();
    });
  }

  /** @throws {NotSelectedError} when the client is not in this round's selection. */
  assertSelected(clientId: string): void {
    if (!this.selected.has(clientId)) {
      throw new NotSelectedError(`client ${clientId} was not selected for round ${this.round}`, {
        clientId,
        round: this.round,
      });
    }
  }

  /**
   * Checks an update header against this round before its bytes are read.
   * @returns true when the same client already delivered an update with this hash (re-send: acknowledge, fold nothing).
   * @throws {NotSelectedError} | {DuplicateUpdateError} | {InvalidUpdateError}
   */
  checkHeader(h: UpdateHeader): boolean {
    const ctx = { clientId: h.clientId, round: this.round };
    this.assertSelected(h.clientId);
    const previous = this.accepted.get(h.clientId);
    if (previous !== undefined) {
      if (previous === h.sha256) return true;
      throw new DuplicateUpdateError(
        `client ${h.clientId} already submitted a different update for round ${this.round}`,
        ctx,
      );
    }
    const specs = specsFromWire(h.tensors);
    if (typeof specs === 'string') throw new InvalidUpdateError(specs, ctx);
    assertSameSpecs(this.global.specs, specs, ctx);
    if (h.totalBytes !== this.model.header.totalBytes) {
      throw new InvalidUpdateError(
        `update declares ${h.totalBytes} bytes, the model has ${this.model.header.totalBytes}`,
        ctx,
      );
    }
    if (!(h.numExamples > 0)) throw new InvalidUpdateError(`num_examples must be > 0, got ${h.numExamples}`, ctx);
    return false;
  }

  /** A buffer of the model's byte size to receive one update into (reused when the accumulator does not keep updates). */
  receiveBuffer(): Uint8Array {
    const size = this.model.header.totalBytes;
    let spare = this.spareBuffers.pop();
    while (spare && spare.byteLength !== size) spare = this.spareBuffers.pop();
    // Ordinary memory, so the upload's SHA-256 runs in this thread: with 100 uploads at once, fresh shared-memory
    // buffers cost more CPU than a hashing thread saves (round-overhead bench: +12% CPU, +30% round time).
    return spare ?? new Uint8Array(size);
  }

  /** The value checks of this round (finite, maxUpdateNorm) for one client's update, to run as its bytes arrive. */
  valueCheck(clientId: string): UpdateValueCheck {
    return new UpdateValueCheck(this.global.values, this.maxUpdateNorm, { clientId, round: this.round });
  }

  /**
   * Folds a complete update (its bytes already hash-checked) into the aggregate; closes the round when everyone
   * answered. `bytes` (from receiveBuffer) is reused afterwards unless the accumulator keeps updates.
   * @param check the update's value check, maybe part-way through (valueCheck); finished here.
   * @throws {InvalidUpdateError} on non-finite values (BR-08); {UpdateNormError} when ‖update − global‖₂ exceeds the run's bound.
   */
  fold(h: UpdateHeader, bytes: Uint8Array, check = this.valueCheck(h.clientId)): void {
    const values = viewAsFloat32(bytes);
    check.finish(values);
    this.accumulator.add({
      clientId: h.clientId,
      numExamples: h.numExamples,
      weights: { specs: this.global.specs, values },
      metrics: h.metrics,
    });
    if (!this.accumulator.keepsUpdates) this.spareBuffers.push(bytes);
    this.accepted.set(h.clientId, h.sha256);
    const failed = this.failures.findIndex((f) => f.clientId === h.clientId);
    if (failed >= 0) this.failures.splice(failed, 1); // its earlier attempt failed (e.g. a broken stream); this retry counts
    this.closeIfAllAnswered();
  }

  /** Records that a selected client will contribute nothing this round (ignored once the round closed). */
  fail(clientId: string, reason: string): void {
    if (this.isClosed) return;
    this.addFailure(clientId, reason);
    this.closeIfAllAnswered();
  }

  private addFailure(clientId: string, reason: string): void {
    if (
      !this.selected.has(clientId) ||
      this.accepted.has(clientId) ||
      this.failures.some((f) => f.clientId === clientId)
    )
      return;
    this.failures.push({ clientId, reason });
  }

  private closeIfAllAnswered(): void {
    if (this.answered >= this.selected.size) this.close('all-answered');
  }

  /** The accumulator, for the run to finish aggregation once the round closed. */
  get aggregation(): FitAccumulator {
    return this.accumulator;
  }
}
