import { assertSameSpecs, firstNonFinite, type TensorSpec } from '../../shared/codec/index.js';
import { EVALUATION_METRICS } from '../../shared/contract/index.js';
import { InvalidRequestError, InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';
import { specsFromWire, type EvaluationReport, type UpdateHeader } from '../../shared/proto/index.js';

/**
 * Every check a client's input to a round passes, in one place: the update header (checkUpdateHeader), the update's
 * values as they arrive (UpdateValueCheck) and an evaluation report (checkEvaluation). OpenRound runs them, with the
 * checks that need its state (selected, already accepted); the gRPC service and the in-process simulation reach them
 * only through OpenRound, so both refuse the same input with the same error.
 */

/** What an update of the open round must match. */
export interface UpdateExpectation {
  /** The round (1-based), for error context. */
  round: number;
  /** Tensor specs of the round's global model, in order. */
  specs: readonly TensorSpec[];
  /** Bytes of the global model (Σ 4 · elements over specs). */
  totalBytes: number;
  /** Training examples the client declared at Join: an update may not claim more. */
  declaredExamples: number;
}

/**
 * Checks an update's header against the round before its bytes are read: float32 tensors with the global model's
 * names and shapes, the model's byte size, and 0 < num_examples ≤ the examples declared at Join.
 * @throws {InvalidUpdateError} naming the first mismatch.
 */
export function checkUpdateHeader(h: UpdateHeader, expected: UpdateExpectation): void {
  const ctx = { clientId: h.clientId, round: expected.round };
  const specs = specsFromWire(h.tensors);
  if (typeof specs === 'string') throw new InvalidUpdateError(specs, ctx);
  assertSameSpecs(expected.specs, specs, ctx);
  if (h.totalBytes !== expected.totalBytes) {
    throw new InvalidUpdateError(`update declares ${h.totalBytes} bytes, the model has ${expected.totalBytes}`, ctx);
  }
  if (!(h.numExamples > 0)) throw new InvalidUpdateError(`num_examples must be > 0, got ${h.numExamples}`, ctx);
  if (h.numExamples > expected.declaredExamples) {
    throw new InvalidUpdateError(
      `num_examples ${h.numExamples} exceeds the ${expected.declaredExamples} examples the client declared at Join`,
      ctx,
    );
  }
}

/**
 * Checks a client's evaluation of the round's global model on its own data: loss a finite number ≥ 0 (nats),
 * 1 ≤ num_examples ≤ the examples declared at Join, every metric finite, accuracy (when reported) in [0, 1].
 * @throws {InvalidRequestError} naming the bad field.
 */
export function checkEvaluation(r: EvaluationReport, declaredExamples: number): void {
  const bad = (why: string) =>
    new InvalidRequestError(`ReportEvaluation: ${why}`, { clientId: r.clientId, round: r.round });
  if (!(Number.isFinite(r.loss) && r.loss >= 0)) throw bad(`loss must be a finite number ≥ 0, got ${r.loss}`);
  if (!(r.numExamples > 0 && r.numExamples <= declaredExamples)) {
    throw bad(`num_examples must be in [1, ${declaredExamples}], got ${r.numExamples}`);
  }
  for (const [k, v] of Object.entries(r.metrics)) if (!Number.isFinite(v)) throw bad(`metric ${k} is not finite`);
  const acc = r.metrics[EVALUATION_METRICS.accuracy];
  if (acc !== undefined && !(acc >= 0 && acc <= 1)) throw bad(`accuracy must be in [0, 1], got ${acc}`);
}

/**
 * The checks an update's values pass before they are folded, on the coordinator and in simulation alike: every value
 * finite (BR-08) and, when `maxUpdateNorm` is not null, ‖values − global‖₂ ≤ maxUpdateNorm (same units as the weights).
 * Runs as the values arrive (scan), so each chunk is checked while it is still in cache and a NaN is refused at the
 * chunk that carries it, not after the whole upload.
 */
export class UpdateValueCheck {
  /** Values scanned so far (a prefix of the update). */
  private scanned = 0;
  /** Σ (values − global)² over the scanned prefix (only kept when a norm bound is set). */
  private squares = 0;

  /** @param global the round's global model, [number of parameters] float32. */
  constructor(
    private readonly global: Float32Array,
    private readonly maxUpdateNorm: number | null,
    private readonly ctx: { clientId: string; round: number },
  ) {}

  /**
   * Checks `values[scanned, upTo)`: the update's values up to index `upTo` are in place (values has the global
   * model's length). @throws {InvalidUpdateError} on a NaN or ±Infinity.
   */
  scan(values: Float32Array, upTo: number): void {
    const bad = firstNonFinite(values, this.scanned, upTo);
    if (bad >= 0) throw new InvalidUpdateError(`non-finite parameters: value ${values[bad]} at index ${bad}`, this.ctx);
    if (this.maxUpdateNorm !== null) {
      const g = this.global;
      for (let i = this.scanned; i < upTo; i++) {
        const d = values[i]! - g[i]!;
        this.squares += d * d;
      }
    }
    this.scanned = Math.max(this.scanned, upTo);
  }

  /**
   * Checks the rest of the complete update, then its distance to the global model.
   * @throws {InvalidUpdateError} on a NaN or ±Infinity; {UpdateNormError} when ‖values − global‖₂ exceeds the bound.
   */
  finish(values: Float32Array): void {
    this.scan(values, values.length);
    if (this.maxUpdateNorm === null) return;
    const norm = Math.sqrt(this.squares);
    if (norm > this.maxUpdateNorm)
      throw new UpdateNormError(
        `update norm ${norm.toPrecision(4)} exceeds the run's maxUpdateNorm ${this.maxUpdateNorm}`,
        this.ctx,
      );
  }
}
