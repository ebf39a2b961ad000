import { z } from 'zod';
import { clientConfigSchema, coordinatorConfigSchema, requireTimeoutPastHeartbeat } from './node-configs.js';
import { parseWith } from './parse.js';
import { requireTlsOrInsecure } from './tls.js';

const server = coordinatorConfigSchema.shape;
const upstream = clientConfigSchema.shape;

/**
 * Aggregator process settings (`fedsift aggregator`, README "Hierarchical aggregation"): the server its clients join
 * (as a coordinator's, with the same auth and TLS options), and how it joins its upstream coordinator (as a site's
 * daemon does).
 */
export const aggregatorConfigSchema = z
  .object({
    /** Interface the aggregator's gRPC server binds. @default "127.0.0.1" */
    host: server.host,
    /** gRPC port its clients join; 0 picks a free one. @default 50052 */
    port: z.number().int().min(0).max(65_535).default(50_052),
    heartbeatIntervalMs: server.heartbeatIntervalMs,
    clientTimeoutMs: server.clientTimeoutMs,
    transport: server.transport,
    uploadBufferBytes: server.uploadBufferBytes,
    auth: server.auth,
    /** TLS of the aggregator's gRPC server (mutual with clientCaFile); null needs `insecure`. @default null */
    tls: server.tls,
    insecure: server.insecure,
    /** The upstream coordinator, and how the aggregator joins it (as one participant). */
    upstream: z
      .object({
        /** The upstream coordinator's host:port (or its leader and standbys, as a client's `coordinator`). */
        coordinator: upstream.coordinator,
        /** The aggregator's name at the upstream (its site id there). */
        siteId: upstream.siteId,
        /** Its enrolment token at the upstream; absent when the upstream requires none. */
        token: upstream.token,
        connectTimeoutMs: upstream.connectTimeoutMs,
        initialBackoffMs: upstream.initialBackoffMs,
        maxBackoffMs: upstream.maxBackoffMs,
        transport: upstream.transport,
        /** TLS towards the upstream (its CA; a certificate for mutual TLS); null needs `insecure`. @default null */
        tls: upstream.tls,
        insecure: upstream.insecure,
      })
      .strict()
      .superRefine(requireTlsOrInsecure),
    /**
     * Clients of its sub-fleet asked per upstream round (a seeded sample of the live ones that fit the run); null =
     * every live one. @default null
     */
    clientsPerRound: z.number().int().min(1).nullable().default(null),
    /**
     * A relayed attempt waits until at least this many live clients fit the run (at most until its deadline) before it
     * selects (Flower's min_available_clients, for the sub-fleet). @default 1
     */
    minClients: z.number().int().min(1).default(1),
    /**
     * Share of the time left until the upstream round's deadline kept for forwarding: the sub-fleet's attempt closes
     * that much earlier (at least 1 s earlier). @default 0.1
     */
    forwardShare: z.number().gt(0).lt(1).default(0.1),
  })
  .strict()
  .superRefine((c, ctx) => {
    requireTlsOrInsecure(c, ctx);
    requireTimeoutPastHeartbeat(c, ctx);
  });
export type AggregatorConfig = Readonly<z.output<typeof aggregatorConfigSchema>>;

/** Validates aggregator settings. @throws {ConfigError} naming every bad field. */
export function parseAggregatorConfig(input: unknown): AggregatorConfig {
  return parseWith(aggregatorConfigSchema, input, 'aggregator config');
}
