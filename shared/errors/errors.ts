import { GrpcStatus, type GrpcStatusCode } from './grpc-codes.js';

/** Fields a fedsift error may carry to say where it happened. */
export interface ErrorContext {
  clientId?: string;
  runId?: string;
  round?: number;
  field?: string;
  cause?: unknown;
}

/**
 * Base class of every fedsift error: a stable `code` (`FS_ERR_*`) for scripts and tests, the gRPC status it maps to,
 * and typed context fields. Subclasses fix the code and status; callers only choose the message and context.
 */
export class FedsiftError extends Error {
  readonly code: string;
  /** gRPC status the error maps to at the wire (see GrpcStatus). */
  readonly grpcStatus: GrpcStatusCode;
  readonly clientId?: string;
  readonly runId?: string;
  readonly round?: number;
  readonly field?: string;

  constructor(code: string, grpcStatus: GrpcStatusCode, message: string, ctx: ErrorContext = {}) {
    super(message, ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = new.target.name;
    this.code = code;
    this.grpcStatus = grpcStatus;
    this.clientId = ctx.clientId;
    this.runId = ctx.runId;
    this.round = ctx.round;
    this.field = ctx.field;
  }
}

function kind(code: string, grpcStatus: GrpcStatusCode) {
  return class extends FedsiftError {
    static readonly code = code;
    constructor(message: string, ctx: ErrorContext = {}) {
      super(code, grpcStatus, message, ctx);
    }
  };
}

/** A client's update is malformed (shape, size, hash, non-finite values). gRPC INVALID_ARGUMENT. */
export class InvalidUpdateError extends kind('FS_ERR_INVALID_UPDATE', GrpcStatus.INVALID_ARGUMENT) {}
/** A client's update moves the model further (L2 norm of update − global) than the run's `maxUpdateNorm`. gRPC INVALID_ARGUMENT. */
export class UpdateNormError extends kind('FS_ERR_UPDATE_NORM', GrpcStatus.INVALID_ARGUMENT) {}
/** The caller is authenticated but not allowed this (e.g. another site's enrolment token). gRPC PERMISSION_DENIED. */
export class ForbiddenError extends kind('FS_ERR_FORBIDDEN', GrpcStatus.PERMISSION_DENIED) {}
/** Too many calls from one peer (Join rate limit). gRPC RESOURCE_EXHAUSTED. */
export class RateLimitedError extends kind('FS_ERR_RATE_LIMITED', GrpcStatus.RESOURCE_EXHAUSTED) {}
/** A request other than an update is malformed (empty or over-long ids, non-finite metrics). gRPC INVALID_ARGUMENT. */
export class InvalidRequestError extends kind('FS_ERR_INVALID_REQUEST', GrpcStatus.INVALID_ARGUMENT) {}
/** A request names a run the coordinator does not know. gRPC NOT_FOUND. */
export class UnknownRunError extends kind('FS_ERR_UNKNOWN_RUN', GrpcStatus.NOT_FOUND) {}
/** A request names a client id that never joined (or was forgotten). gRPC NOT_FOUND. */
export class UnknownClientError extends kind('FS_ERR_UNKNOWN_CLIENT', GrpcStatus.NOT_FOUND) {}
/** The run or round is not in a state that accepts this request. gRPC FAILED_PRECONDITION. */
export class RoundClosedError extends kind('FS_ERR_ROUND_CLOSED', GrpcStatus.FAILED_PRECONDITION) {}
/** An update or fetch names a round other than the open one; the message and metadata carry the current round. gRPC ABORTED: the client retries at a higher level, with the current round (fetch its model, train, submit). */
export class StaleRoundError extends kind('FS_ERR_STALE_ROUND', GrpcStatus.ABORTED) {}
/** A client that was not selected for the round tried to take part. gRPC PERMISSION_DENIED. */
export class NotSelectedError extends kind('FS_ERR_NOT_SELECTED', GrpcStatus.PERMISSION_DENIED) {}
/** A second, different update for the same (client, round). gRPC ALREADY_EXISTS. */
export class DuplicateUpdateError extends kind('FS_ERR_DUPLICATE_UPDATE', GrpcStatus.ALREADY_EXISTS) {}
/** A second, different evaluation of one round's global model from one client (site). gRPC ALREADY_EXISTS. */
export class DuplicateEvaluationError extends kind('FS_ERR_DUPLICATE_EVALUATION', GrpcStatus.ALREADY_EXISTS) {}
/**
 * A Join for a site that a live daemon (another session) speaks for: one daemon per site, unless the Join asks to take
 * the site over. gRPC ALREADY_EXISTS.
 */
export class SiteInUseError extends kind('FS_ERR_SITE_IN_USE', GrpcStatus.ALREADY_EXISTS) {}
/**
 * A call from a daemon whose session no longer speaks for its site: another daemon took the site over, or joined
 * after this one fell silent. gRPC PERMISSION_DENIED.
 */
export class SiteTakenOverError extends kind('FS_ERR_SITE_TAKEN_OVER', GrpcStatus.PERMISSION_DENIED) {}
/** Codes of the errors that mean another daemon speaks for a client daemon's site: the daemon stops (exit 5). */
export const SITE_CONFLICT_CODES: ReadonlySet<string | undefined> = new Set([
  SiteInUseError.code,
  SiteTakenOverError.code,
]);
/** Fewer updates than the run's `minClients` arrived before the round deadline. gRPC UNAVAILABLE. */
export class QuorumNotMetError extends kind('FS_ERR_QUORUM_NOT_MET', GrpcStatus.UNAVAILABLE) {}
/**
 * A SecAgg+ message breaks the protocol: wrong round, unknown or unselected client id, a duplicate message, a vector or
 * key of the wrong length, a stage called out of order. `clientId` names whose message it was (for the coordinator: the
 * sender, whose message is rejected while the round goes on); `field` names the bad field. gRPC INVALID_ARGUMENT.
 * @see Bonawitz et al., CCS 2017, §4 (Fig. 4: every party aborts on a malformed message)
 */
export class SecAggProtocolError extends kind('FS_ERR_SECAGG_PROTOCOL', GrpcStatus.INVALID_ARGUMENT) {}

/**
 * An encrypted share does not decrypt: tampered ciphertext, routed to the wrong receiver, or from another round or
 * run. `clientId` names the claimed sender of the share. gRPC INVALID_ARGUMENT.
 * @see Bonawitz et al., CCS 2017, §4, Round 2 (AE.dec fails ⇒ abort)
 */
export class ShareDecryptionError extends kind('FS_ERR_SECAGG_DECRYPT', GrpcStatus.INVALID_ARGUMENT) {}

/**
 * Too few clients remain for the round to go on safely: fewer than `reconstructionThreshold` participants in a stage,
 * or in some client's neighbourhood, so a secret the unmasking needs could not be rebuilt. The round fails with this
 * reason; nothing was reconstructed, so no single update is revealed. gRPC UNAVAILABLE.
 * @see Bonawitz et al., CCS 2017, §4 ("if |U_i| < t, abort"); Bell et al., CCS 2020, §3.2 (per-neighbourhood threshold)
 */
export class SecAggThresholdError extends kind('FS_ERR_SECAGG_THRESHOLD', GrpcStatus.UNAVAILABLE) {}

/**
 * A client refuses an unmasking request that would reveal one client's input: the same client listed both as a
 * survivor (asking for its self-mask seed share) and as dropped (asking for its mask-key share), the client itself
 * listed as dropped, or fewer survivors than the threshold. gRPC FAILED_PRECONDITION.
 * @see Bonawitz et al., CCS 2017, §4, Round 4 (the consistency check of U_3 against U_2 \ U_3)
 */
export class SecAggConsistencyError extends kind('FS_ERR_SECAGG_CONSISTENCY', GrpcStatus.FAILED_PRECONDITION) {}
/** Missing or wrong enrolment/admin token. gRPC UNAUTHENTICATED. */
export class UnauthenticatedClientError extends kind('FS_ERR_UNAUTHENTICATED', GrpcStatus.UNAUTHENTICATED) {}
/** Invalid configuration (file, flags or StartRun request); `field` names the first bad field. gRPC INVALID_ARGUMENT. */
export class ConfigError extends kind('FS_ERR_CONFIG', GrpcStatus.INVALID_ARGUMENT) {}

/**
 * The error of one bad field of a run config found after validation (its model resolved, its test data read), in the
 * layout parseRunConfig gives every bad field: `invalid run config:`, then `  field: message`.
 */
export function runConfigError(field: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(`invalid run config:\n  ${field}: ${message}`, { field, cause });
}
/** A message would exceed a transport's size limit (NATS max_payload, gRPC max message). gRPC RESOURCE_EXHAUSTED. */
export class PayloadTooLargeError extends kind('FS_ERR_PAYLOAD_TOO_LARGE', GrpcStatus.RESOURCE_EXHAUSTED) {}
/** Aggregation cannot produce a model (total weight 0, shape mismatch between updates). gRPC INTERNAL. */
export class AggregationError extends kind('FS_ERR_AGGREGATION', GrpcStatus.INTERNAL) {}
/** Local data cannot be read or does not fit the model. gRPC INVALID_ARGUMENT. */
export class DataError extends kind('FS_ERR_DATA', GrpcStatus.INVALID_ARGUMENT) {}
/** A service fedsift depends on (NATS, a port to bind) cannot be used at start-up. gRPC UNAVAILABLE. */
export class ServiceUnavailableError extends kind('FS_ERR_SERVICE_UNAVAILABLE', GrpcStatus.UNAVAILABLE) {}
/** A bug or an unexpected failure; its details go to the log, not to the caller. gRPC INTERNAL. */
export class InternalError extends kind('FS_ERR_INTERNAL', GrpcStatus.INTERNAL) {}
/**
 * This coordinator is a standby: another one holds the leader lease (state in PostgreSQL). gRPC UNAVAILABLE; the
 * message names the leader's address when it is known, so a client or an operator can go there.
 */
export class NotLeaderError extends kind('FS_ERR_NOT_LEADER', GrpcStatus.UNAVAILABLE) {}
/**
 * A write to the shared state was fenced off: the lease generation it carried is no longer the current one (another
 * coordinator took the lead). Nothing was written. gRPC UNAVAILABLE.
 */
export class LeadershipLostError extends kind('FS_ERR_LEADERSHIP_LOST', GrpcStatus.UNAVAILABLE) {}
