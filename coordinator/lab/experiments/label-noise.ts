import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { FederatedRunShape } from '../federation/index.js';
import { playNoiseArm } from './noise-arm.js';
import { resolveNoisyClients, type NoisyClients } from './noisy-clients.js';
import { loadNoiseTable, tableModelRef, writeTableSplit } from './table-shares.js';
import { pairGap, summarizeNoise, type NoiseArm, type NoisePlan } from './noise-results.js';
import { ARM_TABLE_HEADER, armRow, summaryTable } from './noise-table.js';
import { NOISE_VARIANTS } from './noise-variants.js';

/** Options of `fedsift experiment noise` (and of `fedsift demo --label-noise`). */
export interface NoiseExperimentOptions extends Omit<FederatedRunShape, 'seed' | 'model'> {
  /** Registry model names (`mlp`, `cnn`); every arm runs on each. */
  models: string[];
  /** Seeds of the partition, the run and the label noise; every arm runs on each. */
  seeds: number[];
  /** Injected noise per comparison, `symmetric:0.4` or `pair:0.4` (see noiseListArg); each gets a plain arm and one arm per variant. */
  noise: string[];
  /** The clients that get the noise: a count n (clients 0 … n−1) or their indices; the others keep clean labels. */
  noisyClients: NoisyClients;
  /** Weighting variants (names from NOISE_VARIANTS, "plain" excluded: it always runs). */
  variants: string[];
  /** Skip the clean-label ceiling arm (e.g. for the demo, which shows plain vs weighted only); no gap closed then. */
  ceiling: boolean;
  /** JSON results file. */
  out: string;
  /** Markdown table file. */
  table: string;
  /**
   * A CSV table instead of the bundled digits (`--data`), read with `schema` as the daemon reads it: per seed, a held-out
   * fifth for the coordinator's test table and a Dirichlet(alpha) split of the rest over the label, one CSV per client.
   */
  data?: string;
  /** The data schema of `data` (`--schema`); required with it. */
  schema?: string;
}

/**
 * The label-noise experiment (README "Label-noise experiment"): for each model and seed, a clean-label FedAvg run (the
 * ceiling), then for each noise spec a plain FedAvg run and one run per weighting variant, all on that seed's
 * partition; the noisy clients flip their labels with `--label-noise` (seeded per site) and every client keeps a site
 * report whose `summary.json` the harness reads for detection quality (the sites know which labels they flipped;
 * nothing of it crosses the network). An arm that fails is retried once, then reported failed with its reason.
 * Prints a row per arm as it ends, then the summary over seeds (summarizeNoise); writes both to `table` and every
 * arm's raw values (per seed, every round) with the summary to `out`.
 * @returns every arm, failed ones included (state ≠ RUN_STATE_COMPLETED).
 * With `data` and `schema` the clients train on per-seed shares of that CSV instead (writeTableSplit), each model on
 * the table (tableModelRef: a built-in `mlp` becomes TABLE_MLP).
 * @throws {ConfigError} for an unknown variant, no model or seed, bad noisy clients (resolveNoisyClients), `data`
 *         without `schema` or the reverse, or `cnn` on a table; {DataError} for a CSV the schema does not read, naming
 *         the file, line and column — all before any process starts.
 */
export async function runNoiseExperiment(
  o: NoiseExperimentOptions,
  logger: Logger,
  out: (line: string) => void = console.log,
): Promise<NoiseArm[]> {
  const unknown = o.variants.filter((v) => !(v in NOISE_VARIANTS) || v === 'plain');
  if (unknown.length)
    throw new ConfigError(`unknown weighting variant(s) ${unknown.join(', ')}`, { field: 'variants' });
  if (!o.models.length) throw new ConfigError('--model: no model given', { field: 'model' });
  if (!o.seeds.length) throw new ConfigError('--seeds: no seed given', { field: 'seeds' });
  const noisyClients = resolveNoisyClients(o.noisyClients, o.clients);
  if ((o.data === undefined) !== (o.schema === undefined))
    throw new ConfigError('--data and --schema go together: a CSV table is read with its data schema', {
      field: o.data === undefined ? 'data' : 'schema',
    });
  const csvTable =
    o.data !== undefined && o.schema !== undefined ? loadNoiseTable(o.data, o.schema, logger) : undefined;
  if (csvTable) o.models.forEach(tableModelRef);
  const plan: NoisePlan = {
    models: o.models,
    seeds: o.seeds,
    noise: o.noise,
    variants: o.variants,
    ceiling: o.ceiling,
  };
  const perSeed = [
    ...(o.ceiling ? [{ noise: 'none', variant: 'plain' }] : []),
    ...o.noise.flatMap((noise) => ['plain', ...o.variants].map((variant) => ({ noise, variant }))),
  ];
  const reports = mkdtempSync(join(tmpdir(), 'fedsift-noise-'));
  const lines = [
    `label-noise experiment${csvTable ? ` on ${csvTable.data}` : ''}: ${o.clients} clients (noisy: ${noisyClients.join(', ')}), ${o.rounds} rounds × ${o.localEpochs} local epochs, models ${o.models.join(', ')}, seeds ${o.seeds.join(', ')}, Dirichlet α=${o.alpha}`,
    ...(o.ceiling ? [] : ['clean-label ceiling arm skipped (--no-ceiling): gap closed unavailable']),
    '',
    ...ARM_TABLE_HEADER,
  ];
  lines.forEach((l) => out(l));
  const arms: NoiseArm[] = [];
  const save = (summary?: unknown) => {
    writeFileSync(o.table, lines.join('\n') + '\n');
    writeFileSync(o.out, JSON.stringify({ options: o, noisyClients, arms, summary }, null, 2) + '\n');
  };
  try {
    for (const model of o.models)
      for (const seed of o.seeds) {
        const table = csvTable && {
          ...writeTableSplit(csvTable, join(reports, `${model}-seed-${seed}-data`), { ...o, seed }),
          schemaPath: csvTable.schemaPath,
          schema: csvTable.schema,
          model: tableModelRef(model),
        };
        for (const [index, { noise, variant }] of perSeed.entries()) {
          const arm = await playNoiseArm(
            {
              shape: { ...o, model, seed },
              noise,
              variant,
              noisyClients,
              reportDir: join(reports, `${model}-seed-${seed}-arm-${index}`),
              table,
            },
            logger,
          );
          if (variant !== 'plain') {
            const gap = pairGap(arms, arm, o.ceiling, arm);
            if (gap.ok) arm.gapClosed = gap.ratio;
            else arm.gapUnavailable = gap.reason;
          }
          arms.push(arm);
          const line = armRow(arm);
          lines.push(line);
          out(line);
          save();
        }
      }
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
  const summary = summarizeNoise(arms, plan);
  const table = ['', `summary over seeds ${o.seeds.join(', ')}:`, '', ...summaryTable(summary, o.seeds, o.ceiling)];
  table.forEach((l) => out(l));
  lines.push(...table);
  save(summary);
  out(`tables in ${o.table}, every arm and round in ${o.out}`);
  return arms;
}
