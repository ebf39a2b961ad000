export { RunController } from './run-controller.js';
export type { Clock, RunDeps, SharedRunDeps } from './run-deps.js';
export { RunManager, type RunManagerDeps } from './run-manager.js';
export { encodeModel, type EncodedModel } from './encoded-model.js';
export { OpenRound, type CloseReason, type OpenRoundOptions } from './open-round.js';
export { UpdateValueCheck, checkUpdateHeader, checkEvaluation } from './intake-checks.js';
export type { UpdateReceiver } from './update-intake.js';
