import { DeltaScanner, firstNonFinite, viewAsFloat32 } from '../../shared/codec/index.js';
import { EVALUATION_METRICS } from '../../shared/contract/index.js';
import { InvalidRequestError, InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';
import type { EvaluationReport } from '../../shared/proto/index.js';
import type { InputSender, UpdateEncoding } from './header-checks.js';

/**
 * Every check a client's input to a round passes: the update header (checkUpdateHeader, in header-checks.ts), the
 * update's values as they arrive (UpdateValueCheck) and an evaluation report (checkEvaluation). OpenRound runs them, with the
 * checks that need its state (selected, already accepted); the gRPC service and the in-process simulation reach them
 * only through OpenRound, so both refuse the same input with the same error.
 */

/**
 * Checks a client's evaluation of the round's global model on its own data: loss a finite number ≥ 0 (nats),
 * num_examples ≥ 1 and, from a site, ≤ the examples it declared at Join (an aggregator's sub-fleet declares none),
 * every metric finite, accuracy (when reported) in [0, 1].
 * @throws {InvalidRequestError} naming the bad field.
 */
export function checkEvaluation(r: EvaluationReport, sender: InputSender): void {
  const bad = (why: string) =>
    new InvalidRequestError(`ReportEvaluation: ${why}`, { clientId: r.clientId, round: r.round });
  if (!(Number.isFinite(r.loss) && r.loss >= 0)) throw bad(`loss must be a finite number ≥ 0, got ${r.loss}`);
  const most = sender.aggregator ? Infinity : sender.numExamples;
  if (!(r.numExamples > 0 && r.numExamples <= most)) {
    const range = sender.aggregator ? '≥ 1' : `in [1, ${most}]`;
    throw bad(`num_examples must be ${range}, got ${r.numExamples}`);
  }
  for (const [k, v] of Object.entries(r.metrics)) if (!Number.isFinite(v)) throw bad(`metric ${k} is not finite`);
  const acc = r.metrics[EVALUATION_METRICS.accuracy];
  if (acc !== undefined && !(acc >= 0 && acc <= 1)) throw bad(`accuracy must be in [0, 1], got ${acc}`);
}

/**
 * The checks an update's values pass before they are folded, on the coordinator and in simulation alike: every value
 * finite (BR-08) and, when `maxUpdateNorm` is not null, ‖x − global‖₂ ≤ maxUpdateNorm (same units as the weights),
 * that norm measured also for central DP (updateNorm),
 * on the decoded values of a compressed update (‖δ̂‖₂ of its decoded delta). Runs as the bytes arrive (scan), so each
 * chunk is checked while it is still in cache and a NaN is refused at the chunk that carries it, not after the upload.
 */
export interface UpdateValueCheck {
  /**
   * Checks what bytes [0, upTo) of the update's buffer complete (the buffer fills front to back).
   * @throws {InvalidUpdateError} on a NaN or ±Infinity, or on malformed encoded bytes.
   */
  scan(bytes: Uint8Array, upTo: number): void;
  /**
   * Checks the rest of the complete update, then its distance to the global model.
   * @throws {InvalidUpdateError} as scan, or when the encoded bytes end early or run on; {UpdateNormError} when the
   *         distance exceeds the bound.
   */
  finish(bytes: Uint8Array): void;
  /**
   * ‖x − global‖₂ of the complete update (weight units) once finish() passed, when measured (a maxUpdateNorm bound,
   * or `measureNorm`); undefined otherwise. The round carries it into the FitResult, so central DP clips with it.
   */
  readonly updateNorm: number | undefined;
}

/**
 * The value check of an update encoded as `encoding` says.
 * @param global the round's global model, [number of parameters] float32.
 * @param maxUpdateNorm largest accepted L2 distance to `global`; null = no bound.
 * @param measureNorm measure ‖x − global‖₂ (updateNorm) even without a bound (central differential privacy).
 */
export function updateValueCheck(
  encoding: UpdateEncoding,
  global: Float32Array,
  maxUpdateNorm: number | null,
  ctx: { clientId: string; round: number },
  measureNorm = false,
): UpdateValueCheck {
  const norm = { maxUpdateNorm, measure: measureNorm || maxUpdateNorm !== null };
  return encoding.codec.kind === 'none'
    ? new WeightsCheck(global, norm, ctx)
    : new DeltaCheck(new DeltaScanner(encoding.codec, global.length, encoding.nonzeros), norm, ctx);
}

/** The norm an update check measures: its bound (null = none) and whether ‖x − global‖₂ is summed at all. */
interface NormSettings {
  maxUpdateNorm: number | null;
  measure: boolean;
}

/** The squared distance to the global model summed over the values checked so far, and its bound. */
abstract class NormBound implements UpdateValueCheck {
  /** Σ (x − global)² over the values checked so far (only kept when the norm is measured). */
  protected squares = 0;
  updateNorm: number | undefined;

  constructor(
    protected readonly norm: NormSettings,
    protected readonly ctx: { clientId: string; round: number },
  ) {}

  abstract scan(bytes: Uint8Array, upTo: number): void;
  protected abstract end(bytes: Uint8Array): void;

  finish(bytes: Uint8Array): void {
    this.end(bytes);
    if (!this.norm.measure) return;
    const norm = Math.sqrt(this.squares);
    const bound = this.norm.maxUpdateNorm;
    if (bound !== null && norm > bound)
      throw new UpdateNormError(
        `update norm ${norm.toPrecision(4)} exceeds the run's maxUpdateNorm ${bound}`,
        this.ctx,
      );
    this.updateNorm = norm;
  }

  protected nonFinite(value: number, at: string): InvalidUpdateError {
    return new InvalidUpdateError(`non-finite parameters: value ${value} at ${at}`, this.ctx);
  }
}

/** Codec none: the weights themselves, float32, checked in place. */
class WeightsCheck extends NormBound {
  /** Values scanned so far (a prefix of the update). */
  private scanned = 0;

  constructor(
    private readonly global: Float32Array,
    norm: NormSettings,
    ctx: { clientId: string; round: number },
  ) {
    super(norm, ctx);
  }

  /** The float32 view of the buffer being scanned (receive buffers are aligned: a view, made once). */
  private view: { bytes: Uint8Array; values: Float32Array } | undefined;

  scan(bytes: Uint8Array, upTo: number): void {
    if (this.view?.bytes !== bytes) this.view = { bytes, values: viewAsFloat32(bytes) };
    const { values } = this.view;
    const end = Math.min(Math.floor(upTo / 4), values.length);
    const bad = firstNonFinite(values, this.scanned, end);
    if (bad >= 0) throw this.nonFinite(values[bad]!, `index ${bad}`);
    if (this.norm.measure) {
      const g = this.global;
      for (let i = this.scanned; i < end; i++) {
        const d = values[i]! - g[i]!;
        this.squares += d * d;
      }
    }
    this.scanned = Math.max(this.scanned, end);
  }

  protected end(bytes: Uint8Array): void {
    this.scan(bytes, bytes.byteLength);
  }
}

/**
 * A compressed update: the scanner decodes and checks every value and scale as the bytes arrive (finite, well-formed)
 * and sums Σδ̂², which is ‖x − g‖² for maxUpdateNorm.
 */
class DeltaCheck extends NormBound {
  constructor(
    private readonly scanner: DeltaScanner,
    norm: NormSettings,
    ctx: { clientId: string; round: number },
  ) {
    super(norm, ctx);
  }

  scan(bytes: Uint8Array, upTo: number): void {
    this.scanner.advance(bytes, upTo);
  }

  protected end(bytes: Uint8Array): void {
    this.scan(bytes, bytes.byteLength);
    this.scanner.finish(bytes.byteLength);
    this.squares = this.scanner.sumOfSquares;
  }
}
