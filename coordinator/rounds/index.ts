export { RunController } from './run-controller.js';
export type { Clock } from './run-deps.js';
export { RunManager } from './run-manager.js';
export { encodeModel } from './encoded-model.js';
export { OpenRound } from './open-round.js';
export { RoundProgress } from './round-progress.js';
export { updateValueCheck, type UpdateValueCheck } from './intake-checks.js';
export type { UpdateReceiver } from './update-intake.js';
export { lostClientFailure } from './lost-clients.js';
