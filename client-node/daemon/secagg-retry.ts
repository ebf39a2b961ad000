import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { LocalFitResult } from '../training/index.js';

/**
 * The delta a site masked in its last SecAgg+ attempt, kept for a retry of the same round. The coordinator retries a
 * failed attempt (too few survivors, a stage deadline) from the unchanged global model, so the site sends the same
 * delta again under the new attempt's fresh keys and masks: it does not train again, and under local DP it does not
 * draw fresh noise for the same data (a second noised release of one round would compose with the first). Holds one
 * model-sized delta until the next SecAgg+ training replaces it.
 */
export interface SecAggRetryMemo extends SecAggDelta {
  /** secAggRetryKey of the attempt the delta was trained for. */
  readonly key: string;
}

/** What a site masks in a SecAgg+ attempt, and the local round behind it. */
export interface SecAggDelta {
  readonly fit: LocalFitResult;
  /** δ as masked (secAggDelta: local DP and clipping applied), [parameters] float32, model units. */
  readonly update: Float32Array;
  /** nₖ the site weighed δ with (secAggExamples). */
  readonly numExamples: number;
}

/**
 * What a delta trained for attempt `a` depends on: the run, the round, the announced global model (its SHA-256) and
 * what the site does to its delta (local DP, the clipping norm, maxWeight). Two attempts with the same key can send
 * the same delta.
 * @returns the key, or undefined when the announcement names no model hash (the model cannot be known unchanged).
 */
export function secAggRetryKey(
  a: Pick<RoundAnnouncement, 'runId' | 'round' | 'modelSha256' | 'fit'>,
  clipping: { readonly clippingNorm: number; readonly equalWeights: boolean; readonly effectiveExamples: boolean },
  maxWeight: number,
): string | undefined {
  if (!a.modelSha256) return undefined;
  return JSON.stringify([a.runId, a.round, a.modelSha256, a.fit.localPrivacy ?? null, clipping, maxWeight]);
}

/**
 * The delta for an attempt whose retry key is `key`: the memo's when it was trained for the same key (a retry of the
 * round on the same model), else the one `train` gives, remembered for a retry (a key of undefined remembers nothing).
 * @returns the delta (undefined when `train` gave none: the site did not train) and whether it is the memo's.
 * @throws what `train` throws.
 */
export async function deltaForAttempt(
  memo: { last?: SecAggRetryMemo },
  key: string | undefined,
  train: () => Promise<SecAggDelta | undefined>,
): Promise<{ delta: SecAggDelta | undefined; reused: boolean }> {
  if (key !== undefined && memo.last?.key === key) return { delta: memo.last, reused: true };
  const delta = await train();
  memo.last = key === undefined || !delta ? undefined : { ...delta, key };
  return { delta, reused: false };
}
