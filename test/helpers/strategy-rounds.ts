import type { ModelWeights } from '../../shared/codec/index.js';
import { parseRunConfig } from '../../coordinator/config/index.js';
import { openFileSpill } from '../../coordinator/spill/index.js';
import { createStrategy, type FitResult, type OpenSpill, type Strategy } from '../../coordinator/strategies/index.js';

/** A one-tensor model `w` of the given values. */
export function weights(values: readonly number[]): ModelWeights {
  return { specs: [{ name: 'w', shape: [values.length], dtype: 'float32' }], values: new Float32Array(values) };
}

/** One client's update of `values`. */
export function upd(
  clientId: string,
  values: readonly number[],
  numExamples = 1,
  metrics: Record<string, number> = {},
): FitResult {
  return { clientId, numExamples, weights: weights(values), metrics };
}

/**
 * The strategy a run config with `strategy: s` (and `extra` run fields) creates, over 10 clients with a quorum of 1
 * unless `extra` says otherwise; robust strategies spill with `openSpill` (the real file spill by default).
 */
export function strategyOf(
  s: unknown,
  extra: Record<string, unknown> = {},
  openSpill: OpenSpill = openFileSpill,
): Strategy {
  return createStrategy(parseRunConfig({ strategy: s, clientsPerRound: 10, minClients: 1, ...extra }), { openSpill });
}

/** Folds `updates` into one round of `s` starting from `global`; returns the new global values. */
export function aggregateRound(s: Strategy, global: readonly number[], updates: FitResult[], round = 1): Float32Array {
  const acc = s.beginAggregation(round, weights(global));
  updates.forEach((u) => acc.add(u));
  return acc.finish([]).weights.values;
}
