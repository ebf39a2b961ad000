export * from './errors.js';
export { GrpcStatus, type GrpcStatusCode } from './grpc-codes.js';
