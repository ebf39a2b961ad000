export { raiseReceiveWindow, startGrpcServer, type StartedGrpcServer } from './server.js';
export { type CoordinatorServiceDeps, type TransportMetrics } from './coordinator-service.js';
export { writeWithBackpressure, type WriteStats } from './write-stream.js';
