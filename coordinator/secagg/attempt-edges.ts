/** The edges of a SecAgg+ attempt: its inputs, the stream and round it drives, its deadlines, what it gives back. */
import type { Logger } from '../../shared/logging/index.js';
import type { SecAggAttemptRef, SecAggClipping, SecAggServerMessage } from '../../shared/proto/index.js';
import type { SecAggParams, SecAggResult } from '../../shared/secagg/index.js';

/** One client's SecureAggregation stream as an attempt drives it (the gRPC handler implements it). */
export interface SecAggStreamSink {
  /** Sends the next stage's message. */
  send(m: SecAggServerMessage): void;
  /** Ends the stream with OK (after `done`). */
  end(): void;
  /** Ends the stream with ABORTED and `reason`: the attempt failed. */
  abort(reason: string): void;
  /** Ends the stream with the error's status (FAILED_PRECONDITION: the client is out of the attempt). */
  fail(err: Error): void;
}

/** What an attempt asks of the round it runs in (OpenRound). */
export interface AttemptRound {
  /** The client contributes nothing to this attempt (ignored once the round closed). */
  fail(clientId: string, reason: string): void;
  /** Stops taking uploads: the attempt failed. */
  close(reason: 'aborted'): void;
}

/** Stage deadlines of an attempt (ms); the masked upload ends with the round deadline. */
export interface SecAggTimeouts {
  readonly advertiseKeysMs: number;
  readonly shareKeysMs: number;
  readonly unmaskMs: number;
}

/** What an attempt that unmasked its sum gives the round: the weighted mean and the survivors' plaintext metrics. */
export interface SecAggOutcome {
  readonly result: SecAggResult;
  /** Example-weighted means of the survivors' header metrics (train loss …). */
  readonly metrics: Record<string, number>;
}

/** The inputs of one SecAgg+ attempt. */
export interface SecAggAttemptOptions {
  readonly ref: SecAggAttemptRef;
  /** The attempt's selected clients. */
  readonly clientIds: readonly string[];
  readonly params: SecAggParams;
  readonly timeouts: SecAggTimeouts;
  /** L, the global model's parameter count. */
  readonly vectorLength: number;
  /** Central DP under SecAgg+: what the clients are told to do (FitConfig.secureAggregation). */
  readonly clipping: SecAggClipping;
  readonly logger: Logger;
}
