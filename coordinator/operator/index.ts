export { AdminClient } from './admin-client.js';
export { watchRun } from './watch-run.js';
export {
  formatRoundRow,
  formatRunList,
  formatRunStatus,
  roundTableHeader,
  stateName,
  stepName,
  stepOfMode,
  type StepName,
} from './format.js';
