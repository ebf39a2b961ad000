export {
  differentialPrivacySchema,
  dpFlagConfig,
  privacyRunIssues,
  resolvePrivacy,
  type AdaptiveClipping,
  type DifferentialPrivacyConfig,
  type DifferentialPrivacyOptions,
  type PrivacyIssue,
} from './dp-config.js';
export { RunPrivacy, PrivateRound, type PrivacyState } from './run-privacy.js';
export { privateMeanModel, noisedUnclippedFraction } from './private-mean.js';
