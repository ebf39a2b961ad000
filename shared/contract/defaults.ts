/** gRPC port the coordinator listens on unless configured otherwise. @default 50051 */
export const DEFAULT_GRPC_PORT = 50_051;

/** Address clients and the `fedsift run` commands dial unless told otherwise: the coordinator's default port on loopback. */
export const DEFAULT_COORDINATOR_ADDRESS = `127.0.0.1:${DEFAULT_GRPC_PORT}`;

/**
 * How often a client calls Heartbeat (milliseconds): the coordinator's default `heartbeatIntervalMs`, which it sends in
 * JoinResponse, and what a client uses until it has joined (or when the response says 0). @default 2000
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
