export { raiseReceiveWindow, startGrpcServer } from './server.js';
export type { WriteStats } from '../../shared/streams/index.js';
export { UploadGate } from './upload-gate.js';
export type { ServingState } from './leader-gate.js';
