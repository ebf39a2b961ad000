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
export { CentralPrivacy, PrivateRound, type PrivacyState } from './central-privacy.js';
export { privateMeanModel, noisedUnclippedFraction } from './private-mean.js';
