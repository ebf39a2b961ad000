export { AsyncRun } from './async-run.js';
export type { AsyncRunOptions } from './dispatch-batch.js';
export { playVersions } from './version-loop.js';
