import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_METRICS, SITE_SUMMARY_FILE, siteReportDir, type SiteSummary } from '../../../shared/contract/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import type { DataSchema } from '../../../shared/tabular/index.js';
import type { FederatedRunShape } from '../federation/index.js';
import { runArm, type ArmOutcome, type ArmSpec } from './arm.js';
import { runWithRetry } from './arm-retry.js';
import { meanOfLast } from './arm-stats.js';
import { NOISE_VARIANTS } from './noise-variants.js';
import { COMPLETED, DID_NOT_RUN, type GroupDetection, type NoiseArm } from './noise-results.js';

/** One arm to run: the run shape (model and seed fixed), the noise and variant, and where the sites keep reports. */
export interface NoiseArmPlan {
  shape: FederatedRunShape;
  noise: string;
  variant: string;
  /** Indices of the clients that flip labels (ignored for noise "none"). */
  noisyClients: readonly number[];
  /** Folder of this arm's site reports; each attempt gets its own subfolder. */
  reportDir: string;
  /** A CSV table instead of the bundled digits: this seed's site and test files, the schema and the run's model. */
  table?: NoiseArmTable;
}

/** The table an arm trains on (label-noise on `--data FILE.csv --schema SCHEMA.json`). */
export interface NoiseArmTable {
  /** sites[i]: client i's CSV. */
  sites: readonly string[];
  /** The coordinator's held-out CSV (the run's `testData`). */
  test: string;
  schemaPath: string;
  schema: DataSchema;
  /** The run config's model (tableModelRef of the shape's model). */
  model: string;
}

/**
 * Runs one arm on fresh client processes, once more if it fails to start or ends in another state than completed
 * (runWithRetry); a failed arm is returned with NaN accuracies, its state and every attempt's reason, never thrown.
 * Noisy clients flip labels with `--label-noise <noise>:<seed>` (on a table, among the schema's classes) and every
 * client keeps a site report, read back for detection quality.
 */
export async function playNoiseArm(p: NoiseArmPlan, logger: Logger): Promise<NoiseArm> {
  const preset = NOISE_VARIANTS[p.variant]!;
  const noisy = (i: number) => p.noise !== 'none' && p.noisyClients.includes(i);
  const siteDir = (attempt: number, i: number) => join(p.reportDir, `try-${attempt}`, `site-${i}`);
  const started = performance.now();
  const retried = await runWithRetry(
    (attempt) =>
      runArm(
        p.shape,
        {
          name: `noise ${p.noise} ${p.variant} ${p.shape.model} seed ${p.shape.seed}`,
          strategy: preset.strategy,
          weighting: preset.weighting,
          sitePrefix: 'noise-site',
          clientArgs: (i) => [
            '--report-dir',
            siteDir(attempt, i),
            ...(noisy(i) ? ['--label-noise', `${p.noise}:${p.shape.seed}`] : []),
          ],
          ...(p.table && tableArm(p.table)),
        },
        logger,
      ).then((outcome) => ({ outcome, attempt })),
    ({ outcome: { final } }) => (final.state === COMPLETED ? undefined : `${final.state}: ${final.error}`),
    2,
    (attempt, reason) =>
      logger.warn(
        { model: p.shape.model, seed: p.shape.seed, noise: p.noise, variant: p.variant, attempt, reason },
        'arm failed',
      ),
  );
  const base = {
    model: p.shape.model,
    seed: p.shape.seed,
    noise: p.noise,
    variant: p.variant,
    attempts: retried.attempts,
    failures: retried.failures,
    gapClosed: NaN,
  };
  if (!retried.ok || !retried.value) return failedArm(base, retried, (performance.now() - started) / 1000);
  const { outcome, attempt } = retried.value;
  const summaries = Array.from({ length: p.shape.clients }, (_, i) =>
    readSummary(join(siteReportDir(siteDir(attempt, i), outcome.final.runId), SITE_SUMMARY_FILE)),
  );
  const weighted = preset.weighting !== undefined;
  return {
    ...base,
    ...accuracyOf(outcome),
    state: outcome.final.state,
    error: '',
    noisySites: weighted && p.noise !== 'none' ? groupDetection(summaries.filter((_, i) => noisy(i))) : undefined,
    cleanFlaggedShare: weighted ? groupDetection(summaries.filter((_, i) => !noisy(i))).flaggedShare : undefined,
    overhead: weightingOverhead(outcome.final.rounds),
    wallSeconds: outcome.wallSeconds,
    rounds: outcome.final.rounds,
  };
}

/** The arm's data flags and run config fields on a table: each client its CSV, read with the schema. */
function tableArm(t: NoiseArmTable): Pick<ArmSpec, 'clientData' | 'runConfig'> {
  return {
    clientData: (i) => ['--data', `csv:${t.sites[i]}`, '--schema', t.schemaPath],
    runConfig: { model: t.model, schema: t.schema, testData: { kind: 'csv', path: t.test } },
  };
}

type ArmBase = Pick<NoiseArm, 'model' | 'seed' | 'noise' | 'variant' | 'attempts' | 'failures' | 'gapClosed'>;

/** A failed arm: no accuracy counts, its rounds (if its run ended at all) kept for the JSON. */
function failedArm(base: ArmBase, retried: { value?: { outcome: ArmOutcome } }, wallSeconds: number): NoiseArm {
  const final = retried.value?.outcome.final;
  return {
    ...base,
    state: final?.state ?? DID_NOT_RUN,
    error: base.failures.at(-1) ?? 'failed',
    finalAccuracy: NaN,
    bestAccuracy: NaN,
    meanLast5: NaN,
    overhead: NaN,
    wallSeconds,
    rounds: final?.rounds ?? [],
  };
}

function accuracyOf({ accuracies }: ArmOutcome): Pick<NoiseArm, 'finalAccuracy' | 'bestAccuracy' | 'meanLast5'> {
  return {
    finalAccuracy: accuracies.at(-1) ?? NaN,
    bestAccuracy: accuracies.length ? Math.max(...accuracies) : NaN,
    meanLast5: meanOfLast(accuracies, 5),
  };
}

function weightingOverhead(rounds: readonly RoundSummary[]): number {
  const ratios = rounds
    .filter((r) => r.clientMetrics[CLIENT_METRICS.weightingMs] !== undefined)
    .map((r) => [r.clientMetrics[CLIENT_METRICS.weightingMs]!, r.clientMetrics[CLIENT_METRICS.trainMs]!] as const);
  return ratios.reduce((a, [w]) => a + w, 0) / ratios.reduce((a, [, t]) => a + t, 0);
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
