/**
 * A site's side of SecAgg+ (proto SecureAggregation): one session per selected attempt, whose stage logic
 * (SecAggSession, over shared/secagg's SecAggClient and the wire conversions) is driven by a thin transport
 * (playSecAggSession) over the SecureAggregation stream — or, in tests, an in-process relay.
 */
export { SecAggSession, type SecAggAttempt, type SecAggSessionOptions, type SecAggStep } from './session.js';
export { playSecAggSession, type SecAggChannel, type SecAggOutcome, type SecAggWork } from './play-session.js';
