import type { CodecSpec, ModelWeights } from '../../shared/codec/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { FitInstruction } from '../strategies/index.js';
import type { EncodedModel } from './encoded-model.js';
import type { InputSender } from './header-checks.js';
import type { MaskedIntake } from './masked-intake.js';
import type { RoundProgress } from './round-progress.js';

/** Why an open round closed. */
export type CloseReason = 'all-answered' | 'deadline' | 'stopped' | 'aborted';

/** What one attempt of one round is opened with. */
export interface OpenRoundOptions {
  runId: string;
  /** Round number (1-based) and attempt (1 for the first announcement of the round). */
  round: number;
  attempt: number;
  /** The strategy's selection: one instruction per selected client. */
  instructions: readonly FitInstruction[];
  /** The round closes at this instant (ms since epoch) with the updates it has; null = only when every client answered. */
  deadlineUnixMs: number | null;
  /** Now (ms since epoch), to arm the deadline timer. */
  nowMs: number;
  /** The global model the round trains from, encoded once for every FetchModel. */
  model: EncodedModel;
  /**
   * The global model the round trains from: one Float32Array of every parameter, in spec order (the model's
   * layout). Read only while the round is open; the run recycles its buffer once no FetchModel stream reads it.
   */
  global: ModelWeights;
  /** The round's state across attempts: accepted updates (in its accumulator), evaluations, selections. */
  progress: RoundProgress;
  /** Largest accepted ‖update − global‖₂ (same units as the weights); null = no bound. */
  maxUpdateNorm: number | null;
  /** Measure every update's ‖update − global‖₂ and hand it to the accumulator (central DP clips with it). @default false */
  measureUpdateNorms?: boolean;
  /** The run's update codec: every update of the round must be encoded with it (announced in FitConfig). */
  updateCodec: CodecSpec;
  /**
   * What a client declared at Join: its training examples, or that it is an aggregator (whose update must say what
   * it stands for, uncompressed). @throws {UnknownClientError} for a client that never joined.
   */
  sender: (clientId: string) => InputSender;
  /**
   * Receive buffers the accumulator gave back, for the next uploads (FedAvg family: no allocation per update); the
   * run passes the same list to every round, so a model-sized buffer is not allocated afresh each round.
   */
  spareBuffers: Uint8Array[];
  /** The run's logger: accepted updates (debug) and clients failed by their input (warn) are logged. */
  logger: Logger;
  /** SecAgg+ runs: stage 3 of the attempt, which takes every update (kind "secagg"); the accumulator takes none. */
  masked?: MaskedIntake;
}
