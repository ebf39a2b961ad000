import type { ClientConfig, DataSourceConfig } from '../../shared/config/index.js';
import { CLIENT_METRICS, dataShapeMismatch } from '../../shared/contract/index.js';
import { subset, type Dataset } from '../../shared/data/index.js';
import { ConfigError, DataError } from '../../shared/errors/index.js';
import { silentLogger } from '../../shared/logging/index.js';
import { buildModel, inputSizeOf, parseModelRef, resolveModel } from '../../shared/models/index.js';
import type { SiteRun } from '../../shared/proto/index.js';
import { combineStatistics, encodeTable, siteStatistics } from '../../shared/tabular/index.js';
import { loadTf, type BackendPreference, type LoadedTf } from '../../shared/tf/index.js';
import { loadSiteData, siteCapabilities, siteLabels, type SiteData } from '../data/index.js';
import { LocalTrainer } from '../training/index.js';
import { failed, passed, skipped, type Outcome } from './checklist.js';

/** Exit code of the README's table for bad config, flags or data. */
const BAD_DATA = 2;

/** Batch size the training check times when no run names one (the run config's default). */
const DEFAULT_BATCH_SIZE = 32;

/** The run whose model the training check trains (none: no unfinished run was learnt). */
export interface ModelChoice {
  run?: SiteRun;
}

/** The `--data` flag as an operator wrote it. */
function describeSource(d: DataSourceConfig): string {
  if (d.kind === 'csv') return `csv:${d.path}${d.schema ? ` with the data schema ${d.schema}` : ''}`;
  if (d.kind === 'idx') return `idx:${d.images},${d.labels}`;
  return d.partition ? `mnist, partition ${d.partition.index} (0-based) of ${d.partition.numPartitions}` : 'mnist';
}

/**
 * The site's data loads and parses (a missing file, a bad cell or label fails here, naming it); a table is read
 * against its data schema (the column and first bad row named), its dropped rows and ignored columns said.
 */
export function checkData(config: ClientConfig): Outcome<SiteData> {
  let site: SiteData;
  try {
    site = loadSiteData(config.data, silentLogger());
  } catch (err) {
    if (err instanceof DataError || err instanceof ConfigError) return failed(`${err.message} (--data)`, BAD_DATA);
    throw err;
  }
  const caps = siteCapabilities(site);
  const n = caps.numExamples.toLocaleString('en-US');
  const present = new Set(siteLabels(site)).size;
  if (site.kind === 'dataset')
    return passed(
      `${describeSource(config.data)}: ${n} examples × ${caps.numFeatures} features, ${present} classes present (labels 0–${caps.numLabelClasses - 1})`,
      site,
    );
  const { schema, droppedRows, ignoredColumns } = site.table;
  const notes = [
    droppedRows ? `${droppedRows} rows with a missing value dropped` : '',
    ignoredColumns.length ? `columns not in the schema, ignored: ${ignoredColumns.join(', ')}` : '',
  ].filter(Boolean);
  return passed(
    `${describeSource(config.data)}: ${n} rows × ${schema.features.length} columns (${caps.numFeatures} values encoded), ${present} of ${schema.label.classes.length} classes present${notes.length ? `; ${notes.join('; ')}` : ''}`,
    site,
  );
}

/**
 * The data fits the model of every unfinished run (`runs`): values per example, label classes and data schema, as the
 * coordinator checks them before it selects the site (dataShapeMismatch). Without a run there is nothing to check
 * against: the coordinator checks the site against each run's model when the run starts.
 * @param runs the coordinator's unfinished runs; undefined when the token check did not learn them.
 */
export function checkModel(site: SiteData, runs: SiteRun[] | undefined): Outcome<ModelChoice> {
  if (!runs?.length) {
    const why = runs ? 'no unfinished run' : "the coordinator's runs are unknown";
    return passed(`${why}: the data is checked against a run's model when the run starts`, {});
  }
  const caps = siteCapabilities(site);
  for (const run of runs) {
    const why = dataShapeMismatch(caps, run);
    if (why)
      return failed(
        `run ${run.runId} trains ${run.modelName}, and ${why}: this site would take part in none of its rounds`,
        BAD_DATA,
      );
  }
  const models = runs.map((r) => `${r.modelName} of run ${r.runId}`).join(', ');
  const { inputShape, numClasses } = runs[0]!;
  return passed(`fits ${models} (input [${inputShape.join(', ')}], ${numClasses} classes)`, { run: runs[0] });
}

/** Loads tfjs on the backend the daemon would use (`--backend`), naming why faster ones were skipped. */
export async function checkBackend(preference: BackendPreference): Promise<Outcome<LoadedTf>> {
  let loaded: LoadedTf;
  try {
    loaded = await loadTf(preference);
  } catch (err) {
    return failed(`${(err as Error).message} (--backend ${preference}; auto picks the fastest that loads)`, BAD_DATA);
  }
  const kind = loaded.backend === 'tensorflow' ? 'native libtensorflow' : loaded.backend;
  const notes = loaded.skipped.map((s) => s.replace(/: Cannot find package .*/, ': not installed'));
  return passed(`${kind}${notes.length ? ` (faster backends skipped: ${notes.join('; ')})` : ''}`, loaded);
}

/**
 * Trains one batch of the run's model on the site's first examples, twice: the first step pays for kernel set-up,
 * the second is the speed of a round's batches; then estimates a round's training time at that speed. The model is
 * built here from the run's model reference (a built-in, or `mlp:…` from the input size and classes); a model.json
 * lives on the coordinator's machine, and a table is scaled with its own statistics (the run's are not known before
 * round 0): the speed is the same. A backend that cannot train throws, which the checklist reports as a failure
 * (exit code 1).
 */
export async function checkTraining(loaded: LoadedTf, site: SiteData, choice: ModelChoice): Promise<Outcome<void>> {
  const { run } = choice;
  if (!run) return skipped('no unfinished run names a model to time');
  const ref = parseModelRef(run.modelName);
  if (typeof ref !== 'string' && ref.kind === 'file')
    return skipped(
      `run ${run.runId}'s model ${run.modelName} is read on the coordinator's machine; its first round shows the speed`,
    );
  const { tf } = loaded;
  const tabular = { inputSize: inputSizeOf(run), numClasses: run.numClasses };
  const { artifact, initialWeights } = await resolveModel(tf, run.modelName, { seed: 0, tabular });
  const model = await buildModel(tf, artifact);
  const data = siteExamples(site, run.numClasses);
  const batchSize = run.batchSize || DEFAULT_BATCH_SIZE;
  const batch = subset(
    data,
    Array.from({ length: Math.min(batchSize, data.labels.length) }, (_, i) => i),
  );
  const trainer = new LocalTrainer(tf, model, batch, 0);
  const fit = { localEpochs: 1, batchSize, learningRate: 1e-3 };
  const ms: number[] = [];
  try {
    for (const step of [1, 2]) {
      const r = await trainer.train(initialWeights, fit, step);
      ms.push(r.metrics[CLIENT_METRICS.trainMs]!);
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
  const [warmUp, step] = ms as [number, number];
  return passed(
    `one batch of ${batch.labels.length} on ${run.modelName}: ${Math.round(step)} ms (first, with set-up: ${Math.round(warmUp)} ms); ${roundEstimate(run, data.labels.length, step)}`,
    undefined,
  );
}

/** The site's examples for a model of `numClasses` classes: a table encoded with its own statistics. */
function siteExamples(site: SiteData, numClasses: number): Dataset {
  if (site.kind === 'dataset') return { ...site.dataset, numClasses };
  const { table } = site;
  return { ...encodeTable(table, combineStatistics(table.schema, [siteStatistics(table)])), numClasses };
}

/** A run's local training time per round on this site at `batchMs` per batch, beside the run's round deadline. */
function roundEstimate(run: SiteRun, examples: number, batchMs: number): string {
  const batches = Math.ceil(examples / run.batchSize) * run.localEpochs;
  const seconds = (batches * batchMs) / 1000;
  return (
    `≈ ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s of training per round of run ${run.runId} ` +
    `(${run.localEpochs} epochs × ${Math.ceil(examples / run.batchSize)} batches; round deadline ${run.roundDeadlineMs / 1000} s)`
  );
}
