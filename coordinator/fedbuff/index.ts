export { parseStaleness, stalenessWeight } from './staleness.js';
export { rebaseUpdate } from './rebase.js';
export { asyncSchema, asyncSettingsOf, asyncRunIssues, type AsyncSettings } from './async-config.js';
