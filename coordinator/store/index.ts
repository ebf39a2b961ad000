export { RunStore, type StoredRun } from './run-store.js';
export { writeCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint.js';
