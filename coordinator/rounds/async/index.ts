export { AsyncRun } from './async-run.js';
export { playVersions } from './version-loop.js';
