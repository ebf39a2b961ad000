import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { parseRunConfig } from '../../shared/config/index.js';
import { ConfigError, UnknownRunError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RunEvent } from '../../shared/proto/index.js';
import type { RoundBroadcaster } from '../broadcast/index.js';
import type { ClientRegistry } from '../clients/index.js';
import type { ModelRuntime } from '../evaluation/index.js';
import { createStrategy } from '../strategies/index.js';
import { RunController, type Clock } from './run-controller.js';

/** What every run of a coordinator shares. */
export interface RunManagerDeps {
  coordinatorId: string;
  broadcaster: RoundBroadcaster;
  clients: ClientRegistry;
  runtime: ModelRuntime;
  clock: Clock;
  logger: Logger;
}

/** The coordinator's runs: starts them from a config, finds them by id, stops them. Re-emits every run's events. */
export class RunManager extends EventEmitter<{ event: [RunEvent] }> {
  private readonly runs = new Map<string, { controller: RunController; done: Promise<void> }>();

  constructor(private readonly deps: RunManagerDeps) {
    super();
  }

  /**
   * Validates a run config and starts the run in the background.
   * @throws {ConfigError} naming every bad field; nothing is started then.
   */
  startRun(configInput: unknown): RunController {
    const config = parseRunConfig(configInput);
    const why = this.deps.runtime.unsupported(config.model);
    if (why) throw new ConfigError(`invalid run config:\n  model: ${why}`, { field: 'model' });
    const runId = `run-${new Date(this.deps.clock.now()).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
    const controller = new RunController({ ...this.deps, runId, config, strategy: createStrategy(config) });
    controller.on('event', (e) => this.emit('event', e));
    this.runs.set(runId, { controller, done: controller.start() });
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

  /** Stops every run and waits for them to finish. */
  async close(): Promise<void> {
    for (const { controller } of this.runs.values()) controller.stop();
    await Promise.all([...this.runs.values()].map((e) => e.done));
  }
}
