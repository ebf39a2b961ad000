import { z } from 'zod';
import {
  DEFAULT_COORDINATOR_ADDRESS,
  DEFAULT_FEDERATION_ID,
  DEFAULT_GRPC_PORT,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  federationIdProblem,
  LABEL_QUALITY_SCORES,
} from '../contract/index.js';
import { BACKENDS } from '../tf/index.js';
import { parseCoordinatorList, parseHostPort } from './coordinator-addresses.js';
import { dataSourceSchema } from './data-source.js';
import { parseWith } from './parse.js';
import { clientTlsSchema, insecureSchema, requireTlsOrInsecure, serverTlsSchema } from './tls.js';
import { transportSchema } from './transport.js';

const natsUrl = z
  .string()
  .regex(/^(nats|tls|wss?):\/\/[^\s]+$/, 'must be a nats://host:port URL')
  .optional();

/**
 * Refinement of the servers clients heartbeat to (coordinator, aggregator): a client is lost only after missing
 * heartbeats, so clientTimeoutMs must exceed heartbeatIntervalMs.
 */
export function requireTimeoutPastHeartbeat(
  c: { clientTimeoutMs: number; heartbeatIntervalMs: number },
  ctx: z.RefinementCtx,
): void {
  if (c.clientTimeoutMs <= c.heartbeatIntervalMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['clientTimeoutMs'],
      message: `must be > heartbeatIntervalMs (${c.heartbeatIntervalMs})`,
    });
  }
}

/** Who may call the coordinator (see coordinator/auth). */
export const authSchema = z
  .object({
    /** Enrolment file {"<site id>": "<hex SHA-256 of its token>"} (`fedsift enrol`); null = clients are not authenticated. @default null */
    clientTokensFile: z.string().min(1).nullable().default(null),
    /** Token the Admin service requires (`authorization: Bearer …`); null = Admin open. Prefer $FEDSIFT_ADMIN_TOKEN. @default null */
    adminToken: z.string().min(16, 'must have at least 16 characters').nullable().default(null),
    /** Join calls per second allowed per peer address, and the burst above it. @default 50, 1000 */
    joinsPerSecond: z.number().positive().default(50),
    joinBurst: z.number().int().min(1).default(1000),
  })
  .strict();
export type AuthConfig = Readonly<z.output<typeof authSchema>>;

/** Coordinator process settings (`fedsift coordinator`). */
export const coordinatorConfigSchema = z
  .object({
    /** Interface the gRPC server binds. @default "127.0.0.1" */
    host: z.string().min(1).default('127.0.0.1'),
    /** gRPC port; 0 picks a free one. @default 50051 */
    port: z.number().int().min(0).max(65_535).default(DEFAULT_GRPC_PORT),
    /** NATS server for round announcements; absent = announcements only over the WatchRounds gRPC stream. */
    natsUrl,
    /**
     * The federation this coordinator serves: its announcements go to NATS subjects `fedsift.<id>.rounds.<run id>` in
     * the JetStream stream `FEDSIFT_ROUNDS_<id>`, and its clients ignore other federations' announcements. Give every
     * coordinator that shares a NATS cluster an id of its own. 1–64 letters, digits, `-`, `_`. @default "default"
     */
    federationId: z
      .string()
      .superRefine((id, ctx) => {
        const problem = federationIdProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_FEDERATION_ID),
    /** HTTP port of /metrics, /healthz, /readyz and the dashboard (same host); 0 = a free port, null = off. @default 8080 */
    httpPort: z.number().int().min(0).max(65_535).nullable().default(8080),
    /** The coordinator's held-out test set for centralised evaluation. @default the 2,000 held-out MNIST digits */
    testData: dataSourceSchema.default({ kind: 'mnist', split: 'test' }),
    /** tfjs backend for evaluation. @default "auto" */
    backend: z.enum(BACKENDS).default('auto'),
    /** Clients must call Heartbeat this often (ms). @default 2000 */
    heartbeatIntervalMs: z.number().int().min(100).default(DEFAULT_HEARTBEAT_INTERVAL_MS),
    /** A client silent for this long is not selected, and fails an attempt it was selected for (ms). @default 10000 */
    clientTimeoutMs: z.number().int().min(200).default(10_000),
    transport: transportSchema.default(transportSchema.parse({})),
    /**
     * Memory for updates being received at once (bytes): each upload holds a model-sized buffer until it is folded, so
     * uploads beyond this wait, their streams paused, until earlier ones finish (one always proceeds). @default 2 GiB
     */
    uploadBufferBytes: z
      .number()
      .int()
      .min(1)
      .default(2 ** 31),
    /**
     * Directory of the durable state (SQLite `state.db` + model checkpoints); a restart resumes unfinished runs from
     * their last completed round. null = runs live in memory only (the demo). @default null
     */
    stateDir: z.string().min(1).nullable().default(null),
    /**
     * PostgreSQL holding the durable state instead of a directory, shared by a leader and its standbys:
     * `postgres://user[:password]@host[:port]/database[?schema=name]` (schema `fedsift` by default; created and
     * migrated at start). Every coordinator on it campaigns for one leader lease: the leader runs rounds, the others
     * stand by (gRPC health NOT_SERVING, calls refused UNAVAILABLE naming the leader) and one of them takes over,
     * resuming the open runs, when the leader stops renewing its lease. Not together with stateDir. null = no
     * PostgreSQL. @default null
     */
    stateUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .nullable()
      .default(null),
    /**
     * With stateUrl: the leader renews its lease every leaseMs/4 and gives the lead up once it has not renewed it for
     * leaseMs × 0.8; a standby takes over a lease not renewed for leaseMs (at its next poll, every leaseMs/4), or at
     * once after the leader shut down. So a failed leader is replaced within about leaseMs × 1.25 (ms).
     * @default 10000
     */
    leaseMs: z.number().int().min(500).default(10_000),
    /**
     * host:port clients and operators reach this coordinator at, which its standbys name in their refusals (set it
     * when `host` is 0.0.0.0, or behind NAT). Absent = host:port as bound.
     */
    advertiseAddress: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseHostPort(text);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      })
      .optional(),
    auth: authSchema.default(authSchema.parse({})),
    /** TLS of the gRPC server (mutual with clientCaFile); null needs `insecure`. @default null */
    tls: serverTlsSchema.nullable().default(null),
    insecure: insecureSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    requireTlsOrInsecure(c, ctx);
    if (c.stateDir !== null && c.stateUrl !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['stateUrl'],
        message: 'stateDir and stateUrl cannot both be set: the state lives in a directory (SQLite) or in PostgreSQL',
      });
    }
    requireTimeoutPastHeartbeat(c, ctx);
  });
export type CoordinatorConfig = Readonly<z.output<typeof coordinatorConfigSchema>>;

/** Client daemon settings (`fedsift client`). */
export const clientConfigSchema = z
  .object({
    /**
     * Coordinator gRPC address, host:port; or the addresses of a federation's coordinators (a leader and its
     * standbys), comma-separated, or one DNS name with a record for each: the daemon uses one at a time and moves to
     * the next when it cannot reach it or it is a standby (see parseCoordinatorList). @default "127.0.0.1:50051"
     */
    coordinator: z
      .string()
      .superRefine((text, ctx) => {
        const list = parseCoordinatorList(text);
        if ('problems' in list) for (const message of list.problems) ctx.addIssue({ code: 'custom', message });
      })
      .default(DEFAULT_COORDINATOR_ADDRESS),
    /** NATS server to listen for round announcements too; absent = the coordinator's WatchRounds stream only. */
    natsUrl,
    /** Stable name of this data site; re-joining with it keeps the client id. */
    siteId: z.string().min(1).max(200),
    /** This site's enrolment token (`fedsift enrol`), sent on Join and every call; absent when the coordinator requires none. */
    token: z.string().min(1).optional(),
    /** This site's training data. */
    data: dataSourceSchema,
    /** tfjs backend. @default "auto" */
    backend: z.enum(BACKENDS).default('auto'),
    /** Folder of the site's local label-issue report (written each weighted round); absent = no report. */
    reportDir: z.string().min(1).optional(),
    /** The label-quality score the report ranks every sample by (SiteSummary.score). @default "self-confidence" */
    reportScore: z.enum(LABEL_QUALITY_SCORES).default('self-confidence'),
    /** Serve /metrics and /healthz on this port (0 = a free one); absent = off. */
    metricsPort: z.number().int().min(0).max(65_535).optional(),
    /** Interface the daemon's /metrics listens on (0.0.0.0 for a scraper on another host or pod). @default 127.0.0.1 */
    metricsHost: z.string().min(1).default('127.0.0.1'),
    /** Fault injection for robustness experiments: send poisoned updates (client-node/attacks). Off by default. */
    attack: z
      .object({ kind: z.enum(['scale', 'signflip']), factor: z.number().positive() })
      .strict()
      .optional(),
    /** Fault injection for label-noise experiments: flip this site's labels (client-node/attacks). Off by default. */
    labelNoise: z
      .object({ kind: z.enum(['symmetric', 'pair']), rate: z.number().min(0).lt(1), seed: z.number().int() })
      .strict()
      .optional(),
    /**
     * Simulation and testing aid: this site's weighting and training take F times their measured wall time (the daemon
     * waits (F − 1)× after training, heartbeats going on, before it submits; past the deadline the update is late,
     * as a genuinely slow site's). For comparing synchronous rounds with stragglers. F ≥ 1, finite. @default 1
     */
    slowdown: z.number().min(1).default(1),
    /**
     * How long the daemon tries to join at start-up before it exits (code 3) saying what to check (ms); 0 = for ever.
     * Once joined, it reconnects for ever. @default 60000
     */
    connectTimeoutMs: z.number().int().min(0).default(60_000),
    /**
     * At start-up, take the site over from a live daemon of it (which the coordinator then cuts off; it exits 5)
     * instead of being refused and exiting 5. @default false
     */
    takeover: z.boolean().default(false),
    /** First reconnect delay after a lost coordinator (ms); doubles up to maxBackoffMs. @default 250 */
    initialBackoffMs: z.number().int().min(10).default(250),
    /** @default 5000 */
    maxBackoffMs: z.number().int().min(10).default(5_000),
    transport: transportSchema.default(transportSchema.parse({})),
    /** TLS towards the coordinator: its CA, and this site's certificate for mutual TLS; null needs `insecure`. @default null */
    tls: clientTlsSchema.nullable().default(null),
    insecure: insecureSchema,
  })
  .strict()
  .superRefine(requireTlsOrInsecure);
export type ClientConfig = Readonly<z.output<typeof clientConfigSchema>>;

/** Validates coordinator settings. @throws {ConfigError} naming every bad field. */
export function parseCoordinatorConfig(input: unknown): CoordinatorConfig {
  return parseWith(coordinatorConfigSchema, input, 'coordinator config');
}

/** Validates client daemon settings. @throws {ConfigError} naming every bad field. */
export function parseClientConfig(input: unknown): ClientConfig {
  return parseWith(clientConfigSchema, input, 'client config');
}
