import { type CodecSpec, type ModelWeights } from '../../shared/codec/index.js';
import { InvalidUpdateError, NotSelectedError, type RoundClosedError } from '../../shared/errors/index.js';
import type { EvaluationReport, UpdateHeader } from '../../shared/proto/index.js';
import type { ClientFailure, FitInstruction, UpdateValues } from '../strategies/index.js';
import type { EncodedModel } from './encoded-model.js';
import { checkEvaluation } from './intake-checks.js';
import { receiveMasked, type MaskedIntake, type MaskedRound } from './masked-intake.js';
import { receiveBuffer } from './round-buffers.js';
import type { CloseReason, OpenRoundOptions } from './open-round-options.js';
import { DEADLINE_FAILURE, roundClosedError, type RoundProgress } from './round-progress.js';
import { receivePlain, UpdateIntake, type IntakeRound, type UpdateReceiver } from './update-intake.js';

/**
 * One attempt of one round while it accepts client input: who was selected, what arrived, what failed. Owns its
 * intake: `receive` runs every check of an update (intake-checks.ts) and returns the receiver its bytes go to;
 * accepted updates are folded straight into the strategy's accumulator. Closes when every selected client has
 * answered (update or failure), at the deadline, or when the run stops.
 */
export class OpenRound implements IntakeRound, MaskedRound {
  readonly runId: string;
  readonly round: number;
  readonly attempt: number;
  readonly instructions: readonly FitInstruction[];
  readonly deadlineUnixMs: number | null;
  readonly model: EncodedModel;
  readonly global: ModelWeights;
  readonly updateCodec: CodecSpec;
  readonly selected: ReadonlySet<string>;
  /** Stage 3 of the attempt's SecAgg+ (undefined in plain runs). */
  readonly masked: MaskedIntake | undefined;
  /** Selected clients that failed this attempt (a client with an accepted update never fails). */
  readonly failures: ClientFailure[] = [];
  readonly closed: Promise<CloseReason>;
  private resolveClosed!: (r: CloseReason) => void;
  private isClosed = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly closeListeners = new Set<() => void>();
  /** Why the last upload of each client that has not delivered broke off (client id → reason); see interrupted. */
  private readonly interruptedUploads = new Map<string, string>();

  /** When this attempt opened, on the monotonic clock (ms), for RoundProgress.slowestDeliveryMs. */
  private readonly openedAt = performance.now();

  constructor(private readonly o: OpenRoundOptions) {
    ({ runId: this.runId, round: this.round, attempt: this.attempt, instructions: this.instructions } = o);
    ({
      deadlineUnixMs: this.deadlineUnixMs,
      model: this.model,
      global: this.global,
      updateCodec: this.updateCodec,
    } = o);
    this.selected = new Set(o.instructions.map((i) => i.clientId));
    this.masked = o.masked;
    o.masked?.bind(this);
    this.closed = new Promise((r) => (this.resolveClosed = r));
    if (o.deadlineUnixMs !== null) {
      this.timer = setTimeout(() => this.close('deadline'), Math.max(0, o.deadlineUnixMs - o.nowMs));
    }
    if (this.selected.size === 0) this.close('all-answered'); // nobody left to ask (all delivered earlier)
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** The round's state across its attempts (accumulator, accepted updates, evaluations). */
  get progress(): RoundProgress {
    return this.o.progress;
  }

  /** The round's accepted updates, this attempt's and earlier ones': sha256 by client id. */
  get accepted(): ReadonlyMap<string, string> {
    return this.o.progress.accepted;
  }

  /** This attempt's selected clients that delivered an update or failed (a client is in at most one of the two). */
  get answered(): number {
    let n = this.failures.length;
    for (const id of this.selected) if (this.hasDelivered(id)) n++;
    return n;
  }

  /**
   * Takes an update header: the client must not have delivered another update this round and must be selected for
   * this attempt; then checkUpdateHeader. An update trained for an earlier attempt of this round counts here (every attempt of a round
   * trains from the same global model): a slow site still training when its attempt closed is not wasted. A header
   * that fails those checks fails the client for this attempt, unless it came from an earlier one (see reject).
   * A re-send of an update the round accepted is acknowledged even once the attempt closed (its ack may have been
   * lost with a dropped connection): the site learns that it counted.
   * @returns the receiver of the update's bytes (its `alreadyAccepted` is true for an idempotent re-send).
   * @throws {RoundClosedError} | {NotSelectedError} | {DuplicateUpdateError} | {InvalidUpdateError} (also for an
   *         attempt not announced yet) | {UnknownClientError} for a client that never joined
   */
  receive(h: UpdateHeader): UpdateReceiver {
    const ctx = { clientId: h.clientId, round: this.round };
    const { progress } = this.o;
    if (this.masked?.delivered.get(h.clientId) === h.sha256 && h.sha256)
      return UpdateIntake.alreadyAccepted(h, (sha256) => sha256 === h.sha256);
    if (progress.delivered(h, this.round))
      return UpdateIntake.alreadyAccepted(h, (sha256) => progress.delivered({ ...h, sha256 }, this.round));
    if (!this.isOpen) throw this.closedError(h.clientId);
    if ((h.attempt ?? 0) > this.attempt) {
      throw new InvalidUpdateError(
        `attempt ${h.attempt} of round ${this.round} was never announced; the current attempt is ${this.attempt}`,
        ctx,
      );
    }
    this.assertSelected(h.clientId);
    if (this.masked)
      return receiveMasked(this, this.masked, h, {
        specs: this.global.specs,
        sender: this.o.sender,
      });
    return receivePlain(this, h, { ...this.o, round: this.round, codec: this.updateCodec });
  }

  /**
   * A SecAgg+ masked vector was added to the attempt's sum (MaskedIntake.take): counts its bytes, gives its buffer
   * back to the pool, closes the attempt when every selected client answered.
   */
  maskedTaken(h: UpdateHeader, buffer: Uint8Array): void {
    this.o.spareBuffers.push(buffer);
    this.o.logger.debug({ round: this.round, client: h.clientId }, 'masked update taken');
    this.recordDelivery(h, this.global.values.length);
  }

  /**
   * Counts a delivery of `h` (plain or masked) standing for `values` parameters: its bytes, the slowest delivery so
   * far; an earlier broken upload or failure of the client (e.g. a bad digest) no longer counts; closes the attempt
   * when every selected client answered.
   */
  private recordDelivery(h: UpdateHeader, values: number): void {
    const progress = this.o.progress;
    progress.updateBytes += h.totalBytes;
    progress.rawUpdateBytes += 4 * values;
    progress.slowestDeliveryMs = Math.max(progress.slowestDeliveryMs, performance.now() - this.openedAt);
    this.interruptedUploads.delete(h.clientId);
    const failed = this.failures.findIndex((f) => f.clientId === h.clientId);
    if (failed >= 0) this.failures.splice(failed, 1);
    this.closeIfAllAnswered();
  }

  /**
   * Takes a selected client's evaluation of this round's global model on its own data (checkEvaluation). One per
   * client and round: the first counts, an identical later one is taken without counting again.
   * @throws {RoundClosedError} | {NotSelectedError} | {InvalidRequestError} | {DuplicateEvaluationError} for a later,
   *         different one
   */
  addEvaluation(r: EvaluationReport): void {
    if (!this.isOpen) throw this.closedError(r.clientId);
    this.assertSelected(r.clientId);
    checkEvaluation(r, this.o.sender(r.clientId));
    const { clientId, numExamples, loss, metrics } = r;
    this.o.progress.addEvaluation({ clientId, numExamples, loss, metrics }, this.round);
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

  /** The error an update or evaluation of this round gets once the round stopped accepting them. */
  closedError(clientId: string): RoundClosedError {
    return roundClosedError(this.runId, this.round, clientId);
  }

  /**
   * Calls `listener` on a microtask after the round closes (an upload still running then is refused); it must not
   * throw. @returns unsubscribe: call it once the listener is no longer needed, so the round keeps nothing of it.
   */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Stops taking client input (idempotent): at the deadline, selected clients that have not answered fail this
   * attempt (with why their upload broke off, if one did); uploads still running are refused through their onClose
   * listeners (on a microtask); `closed` resolves.
   */
  close(reason: CloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (reason === 'deadline') {
      for (const id of this.selected) {
        const broke = this.interruptedUploads.get(id);
        this.addFailure(
          id,
          broke === undefined ? DEADLINE_FAILURE : `${broke}, and no retry got in before the deadline`,
        );
      }
    }
    clearTimeout(this.timer);
    this.resolveClosed(reason);
    queueMicrotask(() => {
      const listeners = [...this.closeListeners];
      this.closeListeners.clear();
      for (const listener of listeners) listener();
    });
  }

  /** A buffer of at least `bytes` bytes to receive one update into (see receiveBuffer in round-buffers.ts). */
  receiveBuffer(bytes: number): Uint8Array {
    return receiveBuffer(this.o.spareBuffers, bytes);
  }

  /** Gives a receiveBuffer back to the pool unused (a refused masked upload). */
  giveBack(buffer: Uint8Array): void {
    this.o.spareBuffers.push(buffer);
  }

  /**
   * Folds a complete update whose values passed `check` (finished by the caller) into the aggregate; closes the round
   * when everyone answered. `bytes` (a receiveBuffer, which `values` views or decodes) is reused afterwards unless the
   * accumulator keeps it. Two uploads of one client may run at once (a re-send while the first still arrives, or a retry while the
   * server had not yet seen the first upload break): the first to finish counts.
   * @returns false when an identical update of the client was folded meanwhile (nothing folded again).
   * @throws {DuplicateUpdateError} when a different one was | {AggregationError} from the accumulator.
   */
  fold(h: UpdateHeader, bytes: Uint8Array, values: UpdateValues, updateNorm?: number): boolean {
    const progress = this.o.progress;
    const { accumulator, accepted } = progress;
    if (accepted.has(h.clientId)) {
      this.o.spareBuffers.push(bytes); // not kept: the next upload may use it
      progress.delivered(h, this.round); // throws for a different update; an identical one was folded already
      return false;
    }
    progress.fold(h, { specs: this.global.specs, values }, updateNorm);
    // An accumulator that keeps updates keeps a dense update's buffer; a compressed one it decoded into its own.
    if (!accumulator.keepsUpdates || !(values instanceof Float32Array)) this.o.spareBuffers.push(bytes);
    accepted.set(h.clientId, h.sha256);
    progress.failures.delete(h.clientId);
    this.o.logger.debug({ round: this.round, client: h.clientId, examples: h.numExamples }, 'update accepted');
    this.recordDelivery(h, values.length);
    return true;
  }

  /**
   * A client's input was refused or its upload broke: it fails this attempt, and the log says why. An upload trained
   * for an earlier attempt (`fromAttempt`, 0 = not said) fails nothing here: the site may still answer this attempt
   * (a failure recorded against an attempt the site had not seen could close it as all-answered without it).
   */
  reject(clientId: string, reason: string, fromAttempt: number): void {
    if (!this.isOpen || this.failures.some((f) => f.clientId === clientId)) return;
    const log = { round: this.round, attempt: this.attempt, client: clientId, reason };
    if (fromAttempt > 0 && fromAttempt < this.attempt) {
      this.o.logger.info(
        { ...log, fromAttempt },
        'late upload from an earlier attempt refused; not counted as a failure',
      );
      return;
    }
    this.o.logger.warn(log, 'client failed this round');
    this.fail(clientId, reason);
  }

  /**
   * A client's upload broke off (a dropped connection looks the same as a client that gave up): it stays unanswered,
   * so its retry still gets in; if none does, it fails at the deadline with `reason`.
   */
  interrupted(clientId: string, reason: string): void {
    if (!this.isOpen || this.hasDelivered(clientId)) return;
    this.interruptedUploads.set(clientId, reason);
    this.o.logger.info(
      { round: this.round, attempt: this.attempt, client: clientId, reason },
      'upload broke off; the client may send it again until the deadline',
    );
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
      this.hasDelivered(clientId) ||
      this.failures.some((f) => f.clientId === clientId)
    )
      return;
    this.failures.push({ clientId, reason });
    this.o.progress.failures.set(clientId, reason);
  }

  /** Whether the client's update is in: folded this round, or (SecAgg+) masked in this attempt. */
  private hasDelivered(clientId: string): boolean {
    return this.accepted.has(clientId) || !!this.masked?.delivered.has(clientId);
  }

  private closeIfAllAnswered(): void {
    if (this.answered >= this.selected.size) this.close('all-answered');
  }
}
