/**
 * gRPC status codes as the numbers the gRPC spec fixes (grpc/doc/statuscodes.md; grpc-js's `status` enum holds the
 * same values). Kept as plain numbers so the error classes carry their status without importing a transport.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One gRPC status code (a value of GrpcStatus). */
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];
