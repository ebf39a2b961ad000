import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { parseRunConfig, parseRunConfigJson } from '../config/index.js';
import { ConfigError, DataError, UnknownRunError } from '../../shared/errors/index.js';
import type { RunEvent, SiteRun } from '../../shared/proto/index.js';
import { schemaSha256 } from '../../shared/tabular/index.js';
import type { RunModel } from '../evaluation/index.js';
import type { Checkpoint } from '../store/index.js';
import { createStrategy, type StrategyDeps } from '../strategies/index.js';
import { RunController } from './run-controller.js';
import type { SharedRunDeps } from './run-deps.js';

/** What every run of a coordinator shares, and what its strategies get (the update spill). */
export type RunManagerDeps = SharedRunDeps & StrategyDeps;

/** The coordinator's runs: starts them from a config, finds them by id, stops them. Re-emits every run's events. */
export class RunManager extends EventEmitter<{ event: [RunEvent] }> {
  private readonly runs = new Map<string, { controller: RunController; done: Promise<void> }>();

  constructor(private readonly deps: RunManagerDeps) {
    super();
  }

  /**
   * Validates a run config, prepares its model (ModelRuntime.prepare: resolves it, reads the run's test data) and
   * starts the run in the background.
   * @throws {ConfigError} naming every bad field, or what does not fit (see ModelRuntime.prepare), in parseRunConfig's
   *         layout (`invalid run config:` then `field: message` lines); nothing is started then.
   */
  async startRun(configInput: unknown): Promise<RunController> {
    const config = parseRunConfig(configInput);
    const strategy = createStrategy(config, this.deps);
    const model = await this.deps.runtime.prepare(config);
    const runId = `run-${new Date(this.deps.clock.now()).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
    const controller = new RunController({ ...this.deps, runId, config, model, strategy });
    try {
      await controller.create();
    } catch (err) {
      model.dispose();
      throw err;
    }
    return this.launch(controller);
  }

  /**
   * Loads the store's runs after a (re)start: finished runs for status and listing, unfinished ones resumed from
   * their last completed round's checkpoint (and their feature statistics) with their model prepared again. A run
   * whose checkpoint is missing or damaged, or whose model or test data no longer resolves, is marked failed with the
   * reason; the others still load. Called at start, and again after close() when a standby takes the lead: the runs
   * of the earlier term are dropped and the store's read afresh.
   * @returns the ids of the resumed runs.
   * @throws the store's error when it cannot be read (ServiceUnavailableError…): nothing is marked failed then.
   */
  async restore(): Promise<string[]> {
    const store = this.deps.store;
    this.runs.clear();
    if (!store) return [];
    const resumed: string[] = [];
    for (const run of await store.runs()) {
      const config = parseRunConfigJson(run.configJson);
      const last = run.rounds.at(-1)?.round;
      let checkpoint: Checkpoint | undefined;
      let model: RunModel | undefined;
      if (run.state === 'RUN_STATE_WAITING' || run.state === 'RUN_STATE_RUNNING') {
        try {
          checkpoint = last === undefined ? undefined : await store.checkpoint(run.runId, last);
          model = await this.deps.runtime.prepare(config);
          resumed.push(run.runId);
        } catch (err) {
          // Only what this run holds can fail it (its checkpoint, model or data); a database out of reach fails the
          // restore instead (CoordinatorRole then gives the lead up), and the run stays resumable.
          if (!(err instanceof DataError || err instanceof ConfigError)) throw err;
          Object.assign(run, {
            state: 'RUN_STATE_FAILED',
            error: `cannot resume: ${(err as Error).message}`,
            finishedUnixMs: this.deps.clock.now(),
          });
          await store.setState(run.runId, run.state, run.error, run.finishedUnixMs);
          this.deps.logger.error({ run: run.runId, err: run.error }, 'run cannot be resumed');
        }
      }
      const strategy = createStrategy(config, this.deps);
      this.launch(
        new RunController({ ...this.deps, runId: run.runId, config, model, strategy, resume: { run, checkpoint } }),
      );
    }
    return resumed;
  }

  private launch(controller: RunController): RunController {
    controller.on('event', (e) => this.emit('event', e));
    // not the final model start() resolves with: a settled promise would keep it for the coordinator's lifetime
    this.runs.set(controller.runId, { controller, done: controller.start().then(() => undefined) });
    return controller;
  }

  /** @throws {UnknownRunError} */
  get(runId: string): RunController {
    const entry = this.runs.get(runId);
    if (!entry) throw new UnknownRunError(`no run with id "${runId}"`, { runId });
    return entry.controller;
  }

  /** Every run, oldest first. */
  list(): RunController[] {
    return [...this.runs.values()].map((e) => e.controller);
  }

  /** The unfinished runs, as CheckSite tells a site (`fedsift preflight`): model, local training, data shape. */
  siteRuns(): SiteRun[] {
    return this.list()
      .filter((r) => !r.isFinished)
      .map((r): SiteRun => {
        const { config } = r;
        const { inputShape, numClasses } = r.runSpec();
        return {
          runId: r.runId,
          modelName: config.model,
          batchSize: config.batchSize,
          localEpochs: config.localEpochs,
          roundDeadlineMs: config.roundDeadlineMs,
          inputShape,
          numClasses,
          schemaSha256: config.schema ? schemaSha256(config.schema) : '',
        };
      });
  }

  /** Shuts every run down (resumable from the store) and waits for them to end. */
  async close(): Promise<void> {
    for (const { controller } of this.runs.values()) controller.shutdown();
    await Promise.all([...this.runs.values()].map((e) => e.done));
  }
}
