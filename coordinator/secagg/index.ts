export { SecAggRounds, attemptOf } from './secagg-rounds.js';
export { SecAggAttempt } from './secagg-attempt.js';
export type { SecAggStreamSink, AttemptRound } from './attempt-edges.js';
export {
  secureAggregationSchema,
  secAggRunIssues,
  secAggFlagConfig,
  DEFAULT_KEY_STAGE_TIMEOUT_MS,
  type SecureAggregationOptions,
  type SecAggIssue,
} from './secagg-config.js';
