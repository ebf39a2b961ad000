import {
  AggregationError,
  FedsiftError,
  InternalError,
  SecAggConsistencyError,
  SecAggProtocolError,
  SecAggThresholdError,
  ShareDecryptionError,
} from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { SecAggAttemptRef } from '../../shared/proto/index.js';

/** The error class an attempt's failure is reported with (its gRPC status). */
export type FailureKind = new (message: string, ctx: { runId: string; round: number }) => Error;

/**
 * The class of an attempt's failure caused by `err`: too few clients or shares (SecAggThresholdError, UNAVAILABLE),
 * total weight 0 (AggregationError), shares that rebuild no key (SecAggConsistencyError, FAILED_PRECONDITION: the
 * survivors' messages disagree), else InternalError.
 */
export function failureKind(err: unknown): FailureKind {
  if (err instanceof SecAggThresholdError) return SecAggThresholdError;
  if (err instanceof AggregationError) return AggregationError;
  if (err instanceof SecAggProtocolError || err instanceof ShareDecryptionError) return SecAggConsistencyError;
  return InternalError;
}

/**
 * The failure message of an attempt that revealed nothing (a threshold miss, total weight 0, shares that rebuild no
 * key); an error that is no FedsiftError is logged as unexpected. Never throws: stages close on timers, where an error
 * would escape the coordinator.
 */
export function explainFailure(err: unknown, logger: Logger, ref: SecAggAttemptRef): string {
  if (!(err instanceof FedsiftError)) logger.error({ err, ...ref }, 'unexpected error in SecAgg+');
  return err instanceof Error ? err.message : String(err);
}
