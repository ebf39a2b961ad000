import { writeFileSync } from 'node:fs';
import type { StrategyOptions } from '../../config/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import type { FederatedRunShape } from '../federation/index.js';
import { runArm } from './arm.js';
import { meanOfLast, pct } from './arm-stats.js';

/** Options of `fedsift experiment byzantine`. */
export interface ByzantineOptions extends FederatedRunShape {
  /** Attacks to try, each sent by client 0: `scale:100`, `signflip:10`. */
  attacks: string[];
  out: string;
}

/** One arm of the experiment and its outcome. */
export interface ByzantineArm {
  strategy: string;
  attack: string;
  /** Mean test accuracy of the last 3 rounds. */
  accuracy: number;
  finalAccuracy: number;
  state: string;
  rounds: RoundSummary[];
}

const ROBUST: Record<string, (clients: number) => unknown> = {
  fedavg: () => 'fedavg',
  fedmedian: () => 'fedmedian',
  'fedtrimmedavg β=0.1': () => ({ name: 'fedtrimmedavg', beta: 0.1 }),
  krum: () => ({ name: 'krum', numMalicious: 1 }),
  'multi-krum m=n−f': (n) => ({ name: 'krum', numMalicious: 1, numSelected: n - 1 }),
};

/**
 * Robust aggregation against model poisoning: a clean FedAvg run (the reference), then, for each attack sent by one
 * of the clients, one run per strategy — same seed, same partition, fresh client processes per run. Prints a table and
 * writes every round to `out`.
 */
export async function runByzantineExperiment(
  o: ByzantineOptions,
  logger: Logger,
  out: (line: string) => void = console.log,
): Promise<ByzantineArm[]> {
  const arms: ByzantineArm[] = [];
  const plan: { label: string; strategy: unknown; attack: string }[] = [
    { label: 'fedavg', strategy: 'fedavg', attack: 'none' },
  ];
  for (const attack of o.attacks)
    for (const [label, s] of Object.entries(ROBUST)) plan.push({ label, strategy: s(o.clients), attack });
  out(
    `byzantine experiment: ${o.clients} clients (client 0 attacks), ${o.rounds} rounds, model ${o.model}, Dirichlet α=${o.alpha}, seed ${o.seed}`,
  );
  out('| strategy | attack | acc (mean last 3) | final acc |');
  out('|---|---|---|---|');
  for (const arm of plan) {
    const { final, accuracies } = await runArm(
      o,
      {
        name: `byzantine ${arm.label} ${arm.attack}`,
        strategy: arm.strategy as StrategyOptions,
        sitePrefix: 'byzantine-site',
        clientArgs: (i) => (i === 0 && arm.attack !== 'none' ? ['--attack', arm.attack] : []),
      },
      logger,
    );
    const result: ByzantineArm = {
      strategy: arm.label,
      attack: arm.attack,
      accuracy: meanOfLast(accuracies, 3),
      finalAccuracy: accuracies.at(-1) ?? NaN,
      state: final.state,
      rounds: final.rounds,
    };
    arms.push(result);
    out(
      `| ${arm.label} | ${arm.attack} | ${pct(result.accuracy)} | ${pct(result.finalAccuracy)}${final.error ? ` (${final.error})` : ''} |`,
    );
    writeFileSync(o.out, JSON.stringify({ options: o, arms }, null, 2) + '\n');
  }
  out(`results in ${o.out}`);
  return arms;
}
