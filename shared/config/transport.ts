import type { ChannelOptions, ServerOptions } from '@grpc/grpc-js';
import { z } from 'zod';
import { MAX_CHUNK_BYTES } from '../codec/index.js';

/**
 * gRPC limits and keepalive, shared by the coordinator's server and every client channel so both sides agree
 * (BR-01: the same send and receive limit on both ends; BR-02: the server accepts the client's keepalive pings).
 */
export const transportSchema = z
  .object({
    /** Largest single gRPC message either side sends or accepts (bytes). Models travel in ≤ 1 MiB chunks, so this
     *  only bounds one chunk plus its header. @default 8 MiB */
    maxMessageBytes: z
      .number()
      .int()
      .min(MAX_CHUNK_BYTES + 64 * 1024)
      .max(2 ** 31 - 1)
      .default(8 * 1024 * 1024),
    /** Client keepalive ping interval while a channel is idle, e.g. during long local training (ms). @default 10000 */
    keepaliveTimeMs: z.number().int().min(1000).default(10_000),
    /** A ping unanswered for this long closes the connection (ms). @default 20000 */
    keepaliveTimeoutMs: z.number().int().min(1000).default(20_000),
    /** HTTP/2 flow-control window each side advertises for receiving, per stream and per connection (bytes). Node's
     *  default, 64 KiB, makes the sender wait for a WINDOW_UPDATE every 64 KiB and capped model transfer at a
     *  fraction of loopback TCP (BENCHMARKS.md). @default 8 MiB */
    flowControlWindowBytes: z
      .number()
      .int()
      .min(65_535)
      .max(2 ** 31 - 1)
      .default(8 * 1024 * 1024),
  })
  .strict();
export type TransportConfig = Readonly<z.output<typeof transportSchema>>;

/** Default transport settings (what fedsift ships). */
export const DEFAULT_TRANSPORT: TransportConfig = Object.freeze(transportSchema.parse({}));

/** Channel options for a client of the coordinator: size limits, keepalive with pings allowed without calls. */
export function grpcChannelOptions(t: TransportConfig): ChannelOptions {
  return {
    'grpc.max_send_message_length': t.maxMessageBytes,
    'grpc.max_receive_message_length': t.maxMessageBytes,
    'grpc.keepalive_time_ms': t.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': t.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc-node.flow_control_window': t.flowControlWindowBytes,
  };
}

/**
 * Server options: the same size limits, and a ping policy that admits the clients' keepalive — minimum ping interval
 * no larger than the client keepalive time, pings allowed without active calls, no strike limit — so a client that
 * trains for minutes with no RPC is never sent GOAWAY "too_many_pings" (BR-02). grpc-js 1.14's server does not
 * enforce these three ping settings today (Node's http2 answers every PING; grpc/grpc-node#1699): they state the
 * policy for a server that does, and integration/keepalive observes the pings on the wire either way.
 */
export function grpcServerOptions(t: TransportConfig): ServerOptions {
  return {
    'grpc.max_send_message_length': t.maxMessageBytes,
    'grpc.max_receive_message_length': t.maxMessageBytes,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': Math.min(t.keepaliveTimeMs, 5_000),
    'grpc.http2.max_ping_strikes': 0,
    'grpc.keepalive_time_ms': 2 * t.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': t.keepaliveTimeoutMs,
  };
}
