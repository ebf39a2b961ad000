import type { ClientRegistry } from '../clients/index.js';
import type { RoundBroadcaster } from '../broadcast/index.js';
import type { RunConfig } from '../config/index.js';
import type { ModelRuntime, RunModel } from '../evaluation/index.js';
import type { ModelObjects } from '../models/index.js';
import type { Checkpoint, RunStore, StoredRun } from '../store/index.js';
import type { Strategy } from '../strategies/index.js';
import type { Logger } from '../../shared/logging/index.js';

/** Source of the current time (ms since epoch); injected so tests can reason about deadlines. */
export interface Clock {
  now(): number;
}

/** What every run of a coordinator shares. */
export interface SharedRunDeps {
  /** Id of this coordinator process, put on every announcement. */
  coordinatorId: string;
  /** The federation this coordinator serves (config `federationId`), put on every announcement. */
  federationId: string;
  broadcaster: RoundBroadcaster;
  clients: ClientRegistry;
  /** Resolves each run's model (RunManager). */
  runtime: ModelRuntime;
  clock: Clock;
  logger: Logger;
  /** Durable state: each run, its completed rounds and their checkpoints are written here; none = in memory only. */
  store?: RunStore;
  /**
   * Called when a run is suspended because its state could not be written (the store out of reach, or the lead
   * lost): the coordinator gives the lead up, so that the run resumes from the store under the next lead instead of
   * staying suspended while this coordinator still leads.
   */
  onStateLost?: (reason: string) => void;
  /** Where each round's global model is put once for clients to download (NATS object store); none = gRPC only. */
  modelObjects?: ModelObjects;
}

/** Collaborators of one run. */
export interface RunDeps extends SharedRunDeps {
  runId: string;
  config: RunConfig;
  /**
   * The run's model (ModelRuntime.prepare), disposed when the run finishes. Absent only for a run the store holds as
   * finished: it answers status, nothing else.
   */
  model?: RunModel;
  strategy: Strategy;
  /**
   * Rounds close only when every selected client answered, never at a deadline: the in-process simulation plays its
   * clients one after another, so a wall-clock deadline would make results depend on the machine's speed.
   * @default false
   */
  untimedRounds?: boolean;
  /** A stored run to continue (after a coordinator restart) from its last completed round's checkpoint. */
  resume?: { run: StoredRun; checkpoint?: Checkpoint };
}
