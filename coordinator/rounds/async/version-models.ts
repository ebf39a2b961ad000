import type { ModelWeights } from '../../../shared/codec/index.js';
import type { EncodedModel } from '../encoded-model.js';

/**
 * The global models an asynchronous run holds, by round (version + 1, the round whose updates train from it): the
 * weights, to rebase updates on, and once served the encoded model FetchModel streams. `served` is the round
 * dispatches hand out.
 */
export class VersionModels {
  private readonly byRound = new Map<number, { weights: ModelWeights; model?: EncodedModel }>();
  /** The round whose model dispatches hand out (0 = none served yet). */
  served = 0;

  /** Adds the model of a new version (the weights only; serve encodes it). */
  add(round: number, weights: ModelWeights): void {
    this.byRound.set(round, { weights });
  }

  /** The weights of `round`; undefined once released. */
  weights(round: number): ModelWeights | undefined {
    return this.byRound.get(round)?.weights;
  }

  /** The encoded model of `round` once served; undefined before, or once released. */
  model(round: number): EncodedModel | undefined {
    return this.byRound.get(round)?.model;
  }

  /**
   * Serves `round` (encode, then `publish`), unless it is not held or a later one is served already.
   * @returns whether it did. @throws what `encode` or `publish` throws.
   */
  async serve(
    round: number,
    encode: (weights: ModelWeights) => EncodedModel,
    publish?: (model: EncodedModel) => Promise<void>,
  ): Promise<boolean> {
    const entry = this.byRound.get(round);
    if (!entry || this.served >= round) return false;
    entry.model ??= encode(entry.weights);
    await publish?.(entry.model); // before any announcement names the round
    this.served = Math.max(this.served, round);
    return true;
  }

  /** Drops every model but those of `keep` and the served one, and those older than `oldest`. */
  release(keep: Set<number>, oldest: number): void {
    keep.add(this.served);
    for (const round of this.byRound.keys()) if (!keep.has(round) || round < oldest) this.byRound.delete(round);
  }
}
