import { firstNonFinite } from '../../shared/codec/index.js';
import { InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';

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

/**
 * Runs every UpdateValueCheck on a complete update. @param values the update, [number of parameters] float32;
 * @param global the round's global model, same length.
 * @throws {InvalidUpdateError} on a NaN or ±Infinity; {UpdateNormError} when the distance exceeds the bound.
 */
export function checkUpdateValues(
  values: Float32Array,
  global: Float32Array,
  maxUpdateNorm: number | null,
  ctx: { clientId: string; round: number },
): void {
  new UpdateValueCheck(global, maxUpdateNorm, ctx).finish(values);
}
