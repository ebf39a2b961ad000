export { parseStaleness, stalenessWeight, type StalenessForm } from './staleness.js';
export { rebaseUpdate } from './rebase.js';
export {
  asyncSchema,
  asyncSettingsOf,
  asyncRunIssues,
  type AsyncOptions,
  type AsyncSettings,
  type AsyncIssue,
} from './async-config.js';
