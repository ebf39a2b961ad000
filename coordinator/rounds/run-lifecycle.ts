import { EventEmitter } from 'node:events';
import type { ModelWeights } from '../../shared/codec/index.js';
import { LeadershipLostError, ServiceUnavailableError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type {
  RoundAnnouncement,
  RoundSummary,
  RunEvent,
  RunEventKind,
  RunStateName,
  RunStatus,
} from '../../shared/proto/index.js';
import type { RunConfig } from '../config/index.js';
import { SecAggRounds } from '../secagg/index.js';
import type { AsyncRun } from './async/index.js';
import { announceSafely, runDoneAnnouncement } from './announcements.js';
import type { OpenRound } from './open-round.js';
import { RoundBuffers } from './round-buffers.js';
import { RunRecord } from './run-record.js';
import type { RunDeps } from './run-deps.js';
import { RunData } from './run-data.js';

/**
 * The lifecycle of one training run, below its round loop (RunController): start (a run that ends on an error fails,
 * or is suspended when the shared state refused its writes), stop, shutdown, finish (the stored end, the clients' run
 * done announcement, the model objects' discard), status and the 'event' RunEvents.
 */
export abstract class RunLifecycle extends EventEmitter<{ event: [RunEvent] }> {
  protected readonly record: RunRecord;
  protected open: OpenRound | undefined;
  /** The engine of an asynchronous run (config mode "async") once it plays; undefined in synchronous runs. */
  protected versions: AsyncRun | undefined;
  protected stopRequested = false;
  /** Set by shutdown(): the run ends in this process but stays resumable in the store. */
  private suspended = false;
  /** The store's write of the final state (finish), awaited before start() settles. */
  private finalWrite: Promise<void> = Promise.resolve();
  protected readonly log: Logger;
  protected readonly buffers = new RoundBuffers();
  private failureValue: Error | undefined;
  /** The run's model, RunSpec, eligible clients and round 0. */
  protected readonly data: RunData;
  /** SecAgg+ of the run's attempts (config secureAggregation); undefined in plain runs. */
  protected readonly secAgg: SecAggRounds | undefined;

  constructor(protected readonly deps: RunDeps) {
    super();
    this.log = deps.logger.child({ run: deps.runId });
    this.record = new RunRecord(deps);
    this.data = new RunData({
      ...deps,
      logger: this.log,
      record: this.record,
      announce: (a) => this.announce(a),
      emit: (kind) => this.emitEvent(kind),
    });
    this.secAgg = SecAggRounds.forRun(deps.runId, deps.config, this.log);
  }

  /** Plays the run from its first missing round to the end. @returns the final global model, or undefined. */
  protected abstract loop(): Promise<ModelWeights | undefined>;

  get runId(): string {
    return this.deps.runId;
  }

  /** The run's validated config. */
  get config(): RunConfig {
    return this.deps.config;
  }

  /**
   * Runs to the end in the background. @returns a promise that settles when the run is finished (never rejects),
   * with the final global model when the run completed here, else undefined (the run keeps no model once finished).
   */
  start(): Promise<ModelWeights | undefined> {
    if (this.isFinished) return Promise.resolve(undefined);
    return this.loop()
      .catch((err: unknown) => {
        if (err instanceof LeadershipLostError || err instanceof ServiceUnavailableError) {
          // The shared state cannot take this run's writes here any more: it stays resumable there, by a leader.
          this.log.warn({ err: err.message }, 'run suspended: its state could not be written');
          this.suspended = true;
          this.finish('RUN_STATE_STOPPED', '');
          this.deps.onStateLost?.(err.message);
          return undefined;
        }
        this.failureValue = err instanceof Error ? err : new Error(String(err));
        this.finish('RUN_STATE_FAILED', this.failureValue.message);
        return undefined;
      })
      .then(async (global) => {
        await this.finalWrite;
        return global;
      });
  }

  /** Records the new run in the store (before it starts; a resumed run is there already). */
  create(): Promise<void> {
    return this.record.create();
  }

  /** Asks the run to stop: the open round closes now and nothing more is aggregated. */
  stop(): void {
    if (this.isFinished) return;
    this.stopRequested = true;
    this.open?.close('stopped');
    this.versions?.stop();
    this.secAgg?.stop('the run was stopped'); // also during stage 4: nothing of the attempt is unmasked
    this.data.stop();
  }

  /** Coordinator shutdown: stops the run here but leaves it unfinished in the store, so a restart resumes it. */
  shutdown(): void {
    this.suspended = true;
    this.stop();
  }

  get isFinished(): boolean {
    return this.record.isFinished;
  }

  /** The run's status, with the coordinator's live clients and the sites a second daemon tried to speak for. */
  status(): RunStatus {
    const { clients, clock } = this.deps;
    return { ...this.record.status(clients.live(clock.now()).length), siteConflicts: clients.conflicts() };
  }

  /** What ended a failed run (e.g. a QuorumNotMetError); undefined otherwise. */
  get failure(): Error | undefined {
    return this.failureValue;
  }

  protected waitForClients(): Promise<void> {
    return this.data.eligible.waitFor(() => this.stopRequested);
  }

  protected announce(a: RoundAnnouncement): Promise<void> {
    return announceSafely(this.deps.broadcaster, a, this.log);
  }

  /** Ends the run here: closes the open round, records the end (suspended after shutdown) and emits RUN_FINISHED. */
  protected finish(state: RunStateName, error: string): void {
    if (this.isFinished) return;
    this.open?.close('stopped');
    this.versions?.stop();
    this.secAgg?.stop(`the run ended (${state})`);
    this.open = undefined; // a finished run keeps no model-sized memory (the manager keeps it for status)
    this.buffers.clear();
    const recorded = this.record.finish(state, error, this.suspended);
    const round = this.record.currentRound;
    const suspended = recorded.state === 'RUN_STATE_SUSPENDED';
    if (suspended) this.log.info({ round }, 'run suspended; a coordinator on the same state resumes it');
    const fields = { state: recorded.state, error: recorded.error };
    const failed = recorded.error && recorded.state !== 'RUN_STATE_COMPLETED'; // a completed run's error says why it ended early
    (failed ? this.log.error.bind(this.log) : this.log.info.bind(this.log))(fields, 'run finished');
    // What reaches beyond this coordinator follows the stored end: a deposed leader, whose write is refused, neither
    // ends the run for the clients nor deletes the models the new leader serves (a suspended run's stay, too).
    this.finalWrite = recorded.written.then(
      () => {
        if (!suspended) void this.deps.modelObjects?.discard(this.runId, round);
        void this.announce(runDoneAnnouncement({ ...this.deps, runSpecSha256: this.data.runSpecSha256 }, round));
      },
      (err: unknown) => this.log.error({ err: (err as Error).message, ...fields }, "the run's end was not stored"),
    );
    this.deps.model?.dispose();
    this.emitEvent('RUN_EVENT_KIND_RUN_FINISHED');
  }

  /** Emits a RunEvent of `kind` on 'event' with the run's status (and the completed round's summary). */
  protected emitEvent(kind: RunEventKind, round?: RoundSummary): void {
    const roundNumber = this.record.currentRound;
    this.emit('event', { kind, status: this.status(), round: round ?? null, roundNumber });
  }
}
