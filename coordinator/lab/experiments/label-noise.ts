import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_METRICS, SITE_SUMMARY_FILE, siteReportDir, type SiteSummary } from '../../../shared/contract/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import type { FederatedRunShape } from '../federation/index.js';
import { meanOfLast, pct, runArm } from './arm.js';
import { NOISE_VARIANTS } from './noise-variants.js';

/** Options of `fedsift experiment noise`. */
export interface NoiseExperimentOptions extends FederatedRunShape {
  /** Injected noise per comparison, `symmetric:0.4` or `pair:0.4` (see noiseListArg); each gets a plain arm and one arm per variant. */
  noise: string[];
  /** Clients 0 … noisyClients−1 get the noise; the others keep clean labels. */
  noisyClients: number;
  /** Weighting variants (names from NOISE_VARIANTS, "plain" excluded: it always runs). */
  variants: string[];
  /** Skip the clean-label ceiling arm (e.g. for the demo, which shows plain vs weighted only). */
  ceiling: boolean;
  /** JSON results file. */
  out: string;
  /** Markdown table file. */
  table: string;
}

/** Label-issue detection summed over a group of sites, from their local summaries. */
export interface GroupDetection {
  /** Per-site values, in client order. */
  precision: number[];
  recall: number[];
  auroc: number[];
  /** Share of the group's samples flagged as label issues. */
  flaggedShare: number;
}

/** One arm's outcome, as printed in the table and saved. */
export interface NoiseArm {
  noise: string;
  variant: string;
  state: string;
  error: string;
  finalAccuracy: number;
  bestAccuracy: number;
  /** Mean test accuracy of the last 5 rounds: the acceptance measure (plain training peaks, then memorises). */
  meanLast5: number;
  /** Share of the plain→clean gap this arm closes, by meanLast5; NaN for the plain and clean arms. */
  gapClosed: number;
  /** Detection on the noisy sites (at the last weighted round); undefined without weighting. */
  noisySites?: GroupDetection;
  /** Share of the clean sites' samples flagged; undefined without weighting. */
  cleanFlaggedShare?: number;
  /** Σ weighting time / Σ local training time over the weighted rounds (example-weighted client means). */
  overhead: number;
  wallSeconds: number;
  rounds: RoundSummary[];
}

const TABLE_HEADER = [
  '| noise | arm | final acc | best acc | mean last 5 | gap closed | precision (noisy sites) | recall (noisy sites) | AUROC (noisy sites) | flagged on clean sites | weighting overhead | wall |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];

/**
 * The label-noise experiment (issue "data-centric sample weighting"): a clean-label FedAvg run (the ceiling), then for
 * each noise spec a plain FedAvg run and one run per weighting variant, all with the same seed and partition; clients
 * 0 … noisyClients−1 flip their labels with `--label-noise` (seeded per site) and every client keeps a site report
 * whose `summary.json` the harness reads for detection quality (the sites know which labels they flipped; nothing of
 * it crosses the network). Prints a markdown table, writes it to `table` and every round to `out`.
 * @throws {ConfigError} for an unknown variant or a noisyClients outside [1, clients].
 */
export async function runNoiseExperiment(
  o: NoiseExperimentOptions,
  logger: Logger,
  out: (line: string) => void = console.log,
): Promise<NoiseArm[]> {
  const unknown = o.variants.filter((v) => !(v in NOISE_VARIANTS));
  if (unknown.length) throw new ConfigError(`unknown weighting variant(s) ${unknown.join(', ')}`);
  if (o.noisyClients < 1 || o.noisyClients > o.clients)
    throw new ConfigError(`--noisy-clients must be in [1, ${o.clients}], got ${o.noisyClients}`);
  const plan = [
    ...(o.ceiling ? [{ noise: 'none', variant: 'plain' }] : []),
    ...o.noise.flatMap((noise) => ['plain', ...o.variants].map((variant) => ({ noise, variant }))),
  ];
  const reports = mkdtempSync(join(tmpdir(), 'fedsift-noise-'));
  const lines = [
    `label-noise experiment: ${o.clients} clients (${o.noisyClients} noisy), ${o.rounds} rounds × ${o.localEpochs} local epochs, model ${o.model}, Dirichlet α=${o.alpha}, seed ${o.seed}`,
    '',
    ...TABLE_HEADER,
  ];
  lines.forEach((l) => out(l));
  const arms: NoiseArm[] = [];
  try {
    for (const [index, { noise, variant }] of plan.entries()) {
      const arm = await runNoiseArm(o, noise, variant, join(reports, `arm-${index}`), logger);
      const plain = arms.find((a) => a.noise === noise && a.variant === 'plain');
      const clean = arms.find((a) => a.noise === 'none');
      if (variant !== 'plain' && plain && clean)
        arm.gapClosed = (arm.meanLast5 - plain.meanLast5) / (clean.meanLast5 - plain.meanLast5);
      arms.push(arm);
      const line = formatRow(arm);
      lines.push(line);
      out(line);
      writeFileSync(o.table, lines.join('\n') + '\n');
      writeFileSync(o.out, JSON.stringify({ options: o, arms }, null, 2) + '\n');
    }
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
  out(`table in ${o.table}, every round in ${o.out}`);
  return arms;
}

async function runNoiseArm(
  o: NoiseExperimentOptions,
  noise: string,
  variant: string,
  reportDir: string,
  logger: Logger,
): Promise<NoiseArm> {
  const preset = NOISE_VARIANTS[variant]!;
  const noisy = (i: number) => noise !== 'none' && i < o.noisyClients;
  const { final, wallSeconds, accuracies } = await runArm(
    o,
    {
      name: `noise ${noise} ${variant}`,
      strategy: preset.strategy,
      weighting: preset.weighting,
      sitePrefix: 'noise-site',
      clientArgs: (i) => [
        '--report-dir',
        join(reportDir, `site-${i}`),
        ...(noisy(i) ? ['--label-noise', `${noise}:${o.seed}`] : []),
      ],
    },
    logger,
  );
  const summaries = Array.from({ length: o.clients }, (_, i) =>
    readSummary(join(siteReportDir(join(reportDir, `site-${i}`), final.runId), SITE_SUMMARY_FILE)),
  );
  const weighted = preset.weighting !== undefined;
  const ratios = final.rounds
    .filter((r) => r.clientMetrics[CLIENT_METRICS.weightingMs] !== undefined)
    .map((r) => [r.clientMetrics[CLIENT_METRICS.weightingMs]!, r.clientMetrics[CLIENT_METRICS.trainMs]!] as const);
  return {
    noise,
    variant,
    state: final.state,
    error: final.error,
    finalAccuracy: accuracies.at(-1) ?? NaN,
    bestAccuracy: accuracies.length ? Math.max(...accuracies) : NaN,
    meanLast5: meanOfLast(accuracies, 5),
    gapClosed: NaN,
    noisySites: weighted && noise !== 'none' ? groupDetection(summaries.filter((_, i) => noisy(i))) : undefined,
    cleanFlaggedShare: weighted ? groupDetection(summaries.filter((_, i) => !noisy(i))).flaggedShare : undefined,
    overhead: ratios.reduce((a, [w]) => a + w, 0) / ratios.reduce((a, [, t]) => a + t, 0),
    wallSeconds,
    rounds: final.rounds,
  };
}

/** A site's summary, if it wrote one; a NaN ratio of its detection reads back as null (groupDetection maps it to NaN). */
function readSummary(path: string): SiteSummary | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SiteSummary) : undefined;
}

function groupDetection(sites: (SiteSummary | undefined)[]): GroupDetection {
  const present = sites.filter((s): s is SiteSummary => s !== undefined);
  const samples = present.reduce((a, s) => a + s.samples, 0);
  return {
    precision: present.map((s) => s.detection?.precision ?? NaN),
    recall: present.map((s) => s.detection?.recall ?? NaN),
    auroc: present.map((s) => s.detection?.auroc ?? NaN),
    flaggedShare: samples ? present.reduce((a, s) => a + s.issues, 0) / samples : NaN,
  };
}

/** "mean (min)" of per-site values, as percentages. */
function meanMin(values: number[] | undefined): string {
  const v = values?.filter((x) => !Number.isNaN(x)) ?? [];
  return v.length ? `${pct(v.reduce((a, b) => a + b, 0) / v.length)} (min ${pct(Math.min(...v))})` : '—';
}

function formatRow(a: NoiseArm): string {
  const failed = a.state === 'RUN_STATE_COMPLETED' ? '' : ` (${a.state}: ${a.error})`;
  const cells = [
    a.noise,
    a.variant + failed,
    pct(a.finalAccuracy),
    pct(a.bestAccuracy),
    pct(a.meanLast5),
    pct(a.gapClosed),
    meanMin(a.noisySites?.precision),
    meanMin(a.noisySites?.recall),
    meanMin(a.noisySites?.auroc),
    pct(a.cleanFlaggedShare),
    pct(a.overhead),
    `${a.wallSeconds.toFixed(0)} s`,
  ];
  return `| ${cells.join(' | ')} |`;
}
