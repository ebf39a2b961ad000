import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { FedsiftError } from '../errors/index.js';

/** Metadata key that carries a FedsiftError's stable code across the wire. */
export const ERROR_CODE_METADATA_KEY = 'fedsift-error-code';
/** Metadata key that carries the coordinator's current round with an error about rounds (StaleRoundError, BR-09; RoundClosedError). */
export const CURRENT_ROUND_METADATA_KEY = 'fedsift-current-round';

/**
 * Maps any thrown value to the status object a grpc-js handler passes to its callback or `call.destroy`.
 * FedsiftErrors keep their status, message and code (in metadata); anything else becomes INTERNAL with a generic
 * message, and `onUnexpected` receives it so the stack can be logged. grpc-js reads only a numeric `code`, and Node's
 * own errors carry string codes, so the mapping never trusts a foreign `code` property.
 */
export function toServiceError(
  err: unknown,
  onUnexpected?: (err: unknown) => void,
): Partial<StatusObject> & { code: status } {
  const metadata = new Metadata();
  if (err instanceof FedsiftError) {
    metadata.set(ERROR_CODE_METADATA_KEY, err.code);
    if (err.round !== undefined) metadata.set(CURRENT_ROUND_METADATA_KEY, String(err.round));
    return { code: err.grpcStatus, details: err.message, metadata };
  }
  onUnexpected?.(err);
  metadata.set(ERROR_CODE_METADATA_KEY, 'FS_ERR_INTERNAL');
  return { code: status.INTERNAL, details: 'internal error in the coordinator', metadata };
}

/** Reads the fedsift error code a server attached to a failed call, or undefined when there is none. */
export function errorCodeOf(err: ServiceError): string | undefined {
  const v = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
  return v === undefined ? undefined : String(v);
}

/** True when `err` is a grpc-js ServiceError (numeric `code` from the status enum and a `details` string). */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).code === 'number' && 'details' in err;
}
