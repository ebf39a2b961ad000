import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../shared/logging/index.js';
import type { RunStatus } from '../../../shared/proto/index.js';
import type { Tf } from '../../../shared/tf/index.js';
import { parseRunConfig } from '../../config/index.js';
import { watchRun } from '../../operator/index.js';
import { writeExample, type ExampleFiles, type ExampleTable } from '../examples/index.js';
import { withFederation } from '../federation/index.js';
import { meanOfLast, pct } from './arm-stats.js';
import { NOISE_VARIANTS } from './noise-variants.js';

/** Options of `fedsift experiment noise-tabular`. */
export interface TabularNoiseOptions {
  /** Seeds; each gives its own split of the table, initial weights and noise draw. */
  seeds: number[];
  /** Noise on one site: `symmetric:R` or `pair:R`. */
  noise: string;
  /** The noisy site, 1-based (site k of the example holds a share ∝ k of the rows). */
  noisySite: number;
  /** Weighting variant of the weighted arm (NOISE_VARIANTS). */
  variant: string;
  rounds: number;
  /** The example table (fedsift example <name>). */
  example: ExampleTable;
  /** Markdown table file. */
  out: string;
}

/** The three arms: clean labels, the noisy site with plain FedAvg, the noisy site with the weighting variant. */
const ARMS = ['clean', 'noisy', 'weighted'] as const;
type Arm = (typeof ARMS)[number];

/**
 * Label noise on a tabular example (README "Bring your own model and data"): for each seed, writes the example's
 * federation (3 sites of unequal sizes, the user's model.json) and runs three arms on fresh processes — clean labels,
 * `noise` on site `noisySite` with plain FedAvg, and the same noise with the weighting variant — then tabulates the
 * mean of the last 5 rounds' test accuracy per arm (mean ± standard deviation over seeds) and the share of the
 * noisy→clean gap the weighting closes, per seed and pooled ((weighted − noisy) / (clean − noisy) of the means).
 * @returns the markdown table (also written to `o.out`).
 */
export async function runTabularNoise(tf: Tf, o: TabularNoiseOptions, logger: Logger): Promise<string> {
  const variant = NOISE_VARIANTS[o.variant];
  if (!variant) throw new Error(`unknown variant ${o.variant}`);
  const results: Record<Arm, number[]> = { clean: [], noisy: [], weighted: [] };
  for (const seed of o.seeds) {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-tabular-noise-'));
    try {
      const example = await writeExample(tf, o.example, { out: dir, seed, rounds: o.rounds });
      const run = JSON.parse(readFileSync(example.run, 'utf8')) as Record<string, unknown>;
      for (const arm of ARMS) {
        const config = parseRunConfig({
          ...run,
          name: `${arm} seed ${seed}`,
          ...(arm === 'weighted' && { strategy: variant.strategy, weighting: variant.weighting }),
        });
        const status = await playArm(
          `${o.example.name}-${seed}`,
          example,
          config,
          arm === 'clean' ? undefined : o,
          seed,
          logger,
        );
        if (status.state !== 'RUN_STATE_COMPLETED') throw new Error(`${arm} arm of seed ${seed}: ${status.error}`);
        results[arm].push(
          meanOfLast(
            status.rounds.map((r) => r.testAccuracy),
            5,
          ),
        );
        logger.warn({ arm, seed, meanLast5: results[arm].at(-1) }, 'arm done');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const table = formatTable(o, results);
  writeFileSync(o.out, table);
  return table;
}

/** One arm on fresh processes: the example's 3 sites, `noise` on one of them. */
function playArm(
  sitePrefix: string,
  example: ExampleFiles,
  config: ReturnType<typeof parseRunConfig>,
  noise: TabularNoiseOptions | undefined,
  seed: number,
  logger: Logger,
): Promise<RunStatus> {
  const federation = {
    clients: example.sites.length,
    alpha: 1,
    partitionSeed: seed,
    sitePrefix,
    clientData: (i: number) => ['--data', `csv:${example.sites[i]}`, '--schema', example.schema],
    clientArgs: (i: number) => (noise && i === noise.noisySite - 1 ? ['--label-noise', `${noise.noise}:${seed}`] : []),
    clientLogLevel: process.env.FEDSIFT_LOG_LEVEL ?? 'error',
  };
  return withFederation(federation, logger, async ({ admin }) =>
    watchRun(admin, (await admin.startRun(config)).runId, true, () => undefined),
  );
}

/** Markdown: one row per arm (mean ± sd of the last-5 mean over seeds), then the gap closed per seed and pooled. */
function formatTable(o: TabularNoiseOptions, r: Record<Arm, number[]>): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const closed = (c: number, n: number, w: number) => (c === n ? '— (no gap)' : pct((w - n) / (c - n)));
  const label: Record<Arm, string> = {
    clean: 'clean labels, FedAvg',
    noisy: `${o.noise} on site ${o.noisySite}, FedAvg`,
    weighted: `${o.noise} on site ${o.noisySite}, ${o.variant}`,
  };
  return [
    `| arm | mean of last 5 rounds (mean ± sd over seeds ${o.seeds.join(', ')}) | per seed |`,
    '|---|---|---|',
    ...ARMS.map((a) => `| ${label[a]} | ${pct(mean(r[a]))} ± ${pct(sd(r[a]))} | ${r[a].map(pct).join(', ')} |`),
    '',
    `gap closed by ${o.variant}: ${closed(mean(r.clean), mean(r.noisy), mean(r.weighted))} of the means; per seed ` +
      o.seeds.map((s, i) => `${s}: ${closed(r.clean[i]!, r.noisy[i]!, r.weighted[i]!)}`).join(', '),
    '',
  ].join('\n');
}
