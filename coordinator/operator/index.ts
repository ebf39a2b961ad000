export { AdminClient } from './admin-client.js';
export { watchRun } from './watch-run.js';
export { formatRoundRow, formatRunList, formatRunStatus, ROUND_TABLE_HEADER, stateName } from './format.js';
