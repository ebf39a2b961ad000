import type { ClientConfig, DataSourceConfig } from '../../shared/config/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { classCounts, loadDataSource, subset, type Dataset } from '../../shared/data/index.js';
import { DataError } from '../../shared/errors/index.js';
import { dataMismatch, getModelDefinition, modelsFor, NUM_CLASSES, readWeights } from '../../shared/models/index.js';
import type { SiteRun } from '../../shared/proto/index.js';
import { loadTf, type BackendPreference, type LoadedTf } from '../../shared/tf/index.js';
import { LocalTrainer } from '../training/index.js';
import { failed, passed, type Outcome } from './checklist.js';

/** Exit code of the README's table for bad config, flags or data. */
const BAD_DATA = 2;

/** Batch size the training check times when no run names one (the run config's default). */
const DEFAULT_BATCH_SIZE = 32;

/** The model the training check trains, with the run it comes from (none: no unfinished run was learnt). */
export interface ModelChoice {
  model: string;
  run?: SiteRun;
}

/** The `--data` flag as an operator wrote it. */
function describeSource(d: DataSourceConfig): string {
  if (d.kind === 'csv') return `csv:${d.path}`;
  if (d.kind === 'idx') return `idx:${d.images},${d.labels}`;
  return d.partition ? `mnist, partition ${d.partition.index} (0-based) of ${d.partition.numPartitions}` : 'mnist';
}

/** The site's data loads and parses (a missing file, a bad cell or label fails here, naming it). */
export function checkData(config: ClientConfig): Outcome<Dataset> {
  let data: Dataset;
  try {
    data = loadDataSource(config.data, NUM_CLASSES);
  } catch (err) {
    if (err instanceof DataError) return failed(`${err.message} (--data)`, BAD_DATA);
    throw err;
  }
  const classes = classCounts(data).filter((c) => c > 0).length;
  const n = data.labels.length.toLocaleString('en-US');
  return passed(
    `${describeSource(config.data)}: ${n} examples × ${data.numFeatures} features, ${classes} of ${data.numClasses} classes present`,
    data,
  );
}

/**
 * The data fits the model of every unfinished run (`runs`), or, when none is known, at least one registry model (the
 * ones this site would declare on Join).
 * @param runs the coordinator's unfinished runs; undefined when the token check did not learn them.
 */
export function checkModel(data: Dataset, runs: SiteRun[] | undefined): Outcome<ModelChoice> {
  if (!runs?.length) {
    let fits: string[];
    try {
      fits = modelsFor(data, 'the data');
    } catch (err) {
      return failed((err as Error).message, BAD_DATA);
    }
    const why = runs ? 'no unfinished run' : "the coordinator's runs are unknown";
    return passed(`${why}; the data fits ${fits.join(', ')} (declared on Join)`, { model: fits[0]! });
  }
  for (const run of runs) {
    const why = dataMismatch(run.modelName, data);
    if (why)
      return failed(
        `run ${run.runId} trains ${run.modelName}, and ${why}: this site would take part in none of its rounds`,
        BAD_DATA,
      );
  }
  const def = getModelDefinition(runs[0]!.modelName);
  const models = runs.map((r) => `${r.modelName} of run ${r.runId}`).join(', ');
  return passed(`fits ${models} (${def.inputSize} features, labels in [0, ${def.numClasses}))`, {
    model: def.name,
    run: runs[0],
  });
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
 * Trains one batch of the chosen model on the site's first examples, twice: the first step pays for kernel set-up,
 * the second is the speed of a round's batches. With a run, estimates a round's training time at that speed.
 * A backend that cannot train throws, which the checklist reports as a failure (exit code 1).
 */
export async function checkTraining(loaded: LoadedTf, data: Dataset, choice: ModelChoice): Promise<Outcome<void>> {
  const { tf } = loaded;
  const batchSize = choice.run?.batchSize || DEFAULT_BATCH_SIZE;
  const batch = subset(
    data,
    Array.from({ length: Math.min(batchSize, data.labels.length) }, (_, i) => i),
  );
  const model = getModelDefinition(choice.model).build(tf, 0);
  const global = readWeights(model);
  model.dispose();
  const trainer = new LocalTrainer(tf, batch, 0);
  const fit = { localEpochs: 1, batchSize, learningRate: 1e-3 };
  const ms: number[] = [];
  try {
    for (const step of [1, 2]) {
      const r = await trainer.train(choice.model, global, fit, step);
      ms.push(r.metrics[CLIENT_METRICS.trainMs]!);
    }
  } finally {
    trainer.dispose();
  }
  const [warmUp, step] = ms as [number, number];
  const round = choice.run && roundEstimate(choice.run, data.labels.length, step);
  return passed(
    `one batch of ${batch.labels.length} on ${choice.model}: ${Math.round(step)} ms (first, with set-up: ${Math.round(warmUp)} ms)${round ? `; ${round}` : ''}`,
    undefined,
  );
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
