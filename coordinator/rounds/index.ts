export { RunController, type Clock, type RunDeps, type UpdateReceiver } from './run-controller.js';
export { RunManager, type RunManagerDeps } from './run-manager.js';
export { encodeModel, type EncodedModel } from './encoded-model.js';
export { OpenRound, type CloseReason } from './open-round.js';
export { wireFitConfig } from './announcements.js';
export { checkUpdateValues } from './update-checks.js';
export { summarizeRound, type CompletedRound } from './round-summary.js';
