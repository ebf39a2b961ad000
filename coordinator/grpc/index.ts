export { listen, raiseReceiveWindow, shutdownServer, startGrpcServer } from './server.js';
export type { WriteStats } from '../../shared/streams/index.js';
export { UploadGate } from './upload-gate.js';
export type { ClientRun, ClientRuns } from './client-runs.js';
export { coordinatorService, type CoordinatorServiceDeps } from './coordinator-service.js';
export type { ServingState } from './leader-gate.js';
