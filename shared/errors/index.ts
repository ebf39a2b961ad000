export * from './errors.js';
export { GrpcStatus } from './grpc-codes.js';
