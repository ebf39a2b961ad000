import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { SimulationResult } from './simulation.js';

/**
 * Writes a simulation's results: `.csv` → one row per round (round, clients, losses, accuracies, seconds, then every
 * client metric the strategy aggregated, e.g. effective_examples; dp_epsilon and dp_clipping_norm with central
 * differential privacy); any other name → the whole result as JSON.
 */
export function writeSimulationResult(path: string, result: SimulationResult): void {
  if (!path.toLowerCase().endsWith('.csv')) {
    writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const metricKeys = [...new Set(result.rounds.flatMap((r) => Object.keys(r.clientMetrics)))].sort();
  const rows = result.rounds.map((r) => ({
    round: r.round,
    selected: r.selected,
    responded: r.responded,
    failed: r.failed,
    train_loss: r.trainLoss,
    test_loss: r.testLoss,
    test_accuracy: r.testAccuracy,
    federated_accuracy: r.federatedAccuracy,
    seconds: r.durationMs / 1000,
    ...(r.dpEpsilon ? { dp_epsilon: r.dpEpsilon, dp_clipping_norm: r.dpClippingNorm } : {}),
    ...Object.fromEntries(metricKeys.map((k) => [k, r.clientMetrics[k] ?? ''])),
  }));
  writeFileSync(path, stringify(rows, { header: true }));
}
