import type { LayersModel } from '@tensorflow/tfjs';
import type { Logger } from '../../shared/logging/index.js';
import { artifactFromWire, buildModel } from '../../shared/models/index.js';
import type { RoundAnnouncement, RunSpec } from '../../shared/proto/index.js';
import type { Tf } from '../../shared/tf/index.js';
import { runDataset, type SiteData } from '../data/index.js';
import { LocalTrainer } from '../training/index.js';

/** The announcement fields that name a run's spec. */
export type SpecRef = Pick<RoundAnnouncement, 'runId' | 'runSpecSha256'>;

/** One run as the daemon holds it: the spec it fetched and, once a FIT round needed them, what was built from it. */
interface RunEntry {
  spec: RunSpec;
  /** The model and trainer for `spec`, or why this site cannot train it (kept, so later rounds fail alike). */
  built?: Promise<{ model: LayersModel; trainer: LocalTrainer }>;
}

/**
 * A run's model, built from its spec with the tfjs loader over the topology the coordinator sent (weights: the
 * initialisers', until the round's global model is written). The caller disposes it.
 * @throws {DataError} when the topology does not load (e.g. a layer class tfjs does not know).
 */
export function buildRunModel(tf: Tf, spec: RunSpec): Promise<LayersModel> {
  return buildModel(tf, artifactFromWire(spec));
}

/**
 * A LocalTrainer of `model` over the site's data prepared for the run (runDataset): the path every client takes, the
 * daemon once per run, the in-process simulation once per client-round. The caller disposes it before the model.
 * @throws {DataError} when the site's data does not fit the run's model, or its schema is not the run's.
 */
export function runTrainer(tf: Tf, model: LayersModel, spec: RunSpec, site: SiteData, seed: number): LocalTrainer {
  return new LocalTrainer(tf, model, runDataset(site, spec), seed);
}

/**
 * The daemon's per-run context: each run's spec, fetched when an announcement's runSpecSha256 differs from the one
 * held (a new run, or round 0's feature statistics arrived), and one model and LocalTrainer per run, built from the
 * spec when a FIT round first needs them and released when the spec changes or the run ends (RUN_DONE). Rounds play
 * one at a time (the daemon's queue), so calls never overlap.
 */
export class RunContexts {
  private readonly runs = new Map<string, RunEntry>();

  /** @param o.seed seeds every run's local shuffles (LocalTrainer). */
  constructor(private readonly o: { tf: Tf; site: SiteData; seed: number; logger: Logger }) {}

  /** The site's data, as loaded at start. */
  get site(): SiteData {
    return this.o.site;
  }

  /**
   * The run's spec as announcement `a` uses it: the one held when its sha256 is the announced one, else `fetch`ed
   * (the model and trainer of an older spec are released). Logs "run spec fetched" for a run's first spec and "run
   * spec updated" for a later one (round 0's feature statistics).
   * @throws the fetch's error.
   */
  async spec(a: SpecRef, fetch: () => Promise<RunSpec>): Promise<RunSpec> {
    const held = this.runs.get(a.runId);
    if (held && held.spec.sha256 === a.runSpecSha256) return held.spec;
    const spec = await fetch();
    if (held?.spec.sha256 === spec.sha256) return held.spec;
    await this.release(a.runId);
    this.runs.set(a.runId, { spec });
    // Round 0's feature statistics change a schema run's spec, so it is fetched again: once per run is "fetched"; the
    // new version is an update (what changed), not a second run as two "fetched" lines would read.
    const { logger } = this.o;
    if (held) logger.info({ run: a.runId, statistics: Boolean(spec.statistics) }, 'run spec updated');
    else
      logger.info(
        { run: a.runId, model: spec.modelRef, inputShape: spec.inputShape, classes: spec.numClasses },
        'run spec fetched',
      );
    return spec;
  }

  /**
   * The run's trainer for announcement `a`, built on first use of its spec (buildRunModel, runTrainer).
   * @throws the fetch's error; {DataError} when this site cannot train the run's model (every round of that spec).
   */
  async trainer(a: SpecRef, fetch: () => Promise<RunSpec>): Promise<LocalTrainer> {
    const spec = await this.spec(a, fetch);
    const entry = this.runs.get(a.runId)!;
    entry.built ??= this.build(spec);
    return (await entry.built).trainer;
  }

  private async build(spec: RunSpec): Promise<{ model: LayersModel; trainer: LocalTrainer }> {
    const { tf, site, seed } = this.o;
    const model = await buildRunModel(tf, spec);
    try {
      return { model, trainer: runTrainer(tf, model, spec, site, seed) };
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** Releases a run's model and trainer (RUN_DONE, or a new spec) and forgets its spec; resolves once released. */
  async release(runId: string): Promise<void> {
    const built = this.runs.get(runId)?.built;
    this.runs.delete(runId);
    const held = await built?.catch(() => undefined); // a spec the site could not train left nothing to release
    held?.trainer.dispose();
    held?.model.dispose();
  }

  /** Releases every run's model and trainer. */
  async dispose(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((runId) => this.release(runId)));
  }
}
