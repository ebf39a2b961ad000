import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseCoordinatorConfig, readJsonFile } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { untilShutdownSignal } from '../../shared/lifecycle/index.js';
import { insecureFromEnv, intArg } from '../../shared/cli/index.js';
import { defined, overlay, TEST_DATA_PATH_FIELDS, withPathsFrom } from './config-paths.js';

/** `fedsift coordinator`: serves gRPC (Coordinator, Admin, health) until SIGINT/SIGTERM. */
export function coordinatorCommand(): Command {
  const defaults = parseCoordinatorConfig({ insecure: true }); // the config's defaults, for the help text
  return new Command('coordinator')
    .description('run the coordinator: gRPC server for client daemons and the CLI; runs start with `fedsift run start`')
    .option('--config <file>', 'coordinator config JSON (flags override its fields)')
    .option('--host <host>', `interface to bind (default ${defaults.host})`)
    .option('--port <port>', `gRPC port, 0 = any free port (default ${defaults.port})`, intArg)
    .option('--nats-url <url>', 'NATS server for round announcements (JetStream)', process.env.NATS_URL)
    .option(
      '--federation-id <id>',
      "names this federation's NATS subjects and JetStream stream; each coordinator sharing a NATS cluster needs " +
        `its own (default $FEDSIFT_FEDERATION_ID, else "${defaults.federationId}")`,
      process.env.FEDSIFT_FEDERATION_ID,
    )
    .option(
      '--http-port <port>',
      `port of /metrics, /healthz, /readyz and the dashboard, 0 = any free port (default ${defaults.httpPort})`,
      intArg,
    )
    .option(
      '--admin-token <token>',
      'token the Admin service and the HTTP run API require, ≥ 16 characters (default $FEDSIFT_ADMIN_TOKEN, which ' +
        'is better: a flag shows in the process list)',
    )
    .option('--tls-cert <file>', 'TLS certificate of the gRPC server (PEM); with --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-client-ca <file>', 'mutual TLS: clients must present a certificate signed by this CA')
    .option('--insecure', 'serve plain-text gRPC (development only; default $FEDSIFT_INSECURE)', insecureFromEnv())
    .option(
      '--client-tokens <file>',
      'enrolment file of the sites allowed to join (see `fedsift enrol`); without it clients are not authenticated',
    )
    .option(
      '--state-dir <dir>',
      'keep runs, rounds and model checkpoints here (SQLite + files); a restart resumes unfinished runs',
      process.env.FEDSIFT_STATE_DIR,
    )
    .option(
      '--state <dir|postgres://…>',
      'where the durable state lives: a directory (as --state-dir), or a postgres:// URL shared with standby ' +
        'coordinators, one of which takes over when the leader fails; overrides --state-dir (default $FEDSIFT_STATE, ' +
        'which is better for a URL with a password: a flag shows in the process list)',
      process.env.FEDSIFT_STATE,
    )
    .option(
      '--lease-ms <ms>',
      `with a postgres:// state: the leader lease's term; a failed leader is replaced within about 1.25 × this ` +
        `(default ${defaults.leaseMs})`,
      intArg,
    )
    .option(
      '--advertise <host:port>',
      'the address clients reach this coordinator at, named by standbys to redirect them (default $FEDSIFT_ADVERTISE, ' +
        'else --host:--port)',
      process.env.FEDSIFT_ADVERTISE,
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend for evaluation').choices([
        'auto',
        'tensorflow-gpu',
        'tensorflow',
        'wasm',
        'cpu',
      ]),
    )
    .action(async (o) => {
      const file = o.config
        ? withPathsFrom(dirname(resolve(o.config)), readJsonFile(o.config, 'coordinator config'), PATH_FIELDS)
        : {};
      const flags = defined({
        host: o.host,
        port: o.port,
        httpPort: o.httpPort,
        natsUrl: o.natsUrl || undefined,
        federationId: o.federationId,
        backend: o.backend,
        leaseMs: o.leaseMs,
        advertiseAddress: o.advertise || undefined,
        ...stateFields(o.state || undefined, o.stateDir),
      });
      const auth = overlay(file.auth, {
        clientTokensFile: o.clientTokens,
        adminToken: o.adminToken || process.env.FEDSIFT_ADMIN_TOKEN || undefined,
      });
      const tls = overlay(file.tls, { certFile: o.tlsCert, keyFile: o.tlsKey, clientCaFile: o.tlsClientCa });
      const insecure = o.insecure || file.insecure;
      const config = parseCoordinatorConfig({
        ...file,
        ...flags,
        ...(auth !== undefined && { auth }),
        ...(tls !== undefined && { tls }),
        ...(insecure !== undefined && { insecure }),
      });
      const logger = createLogger({ name: 'coordinator' });
      const { startCoordinator } = await import('../main.js');
      const coordinator = await startCoordinator(config, logger);
      logger.info({ signal: await untilShutdownSignal() }, 'shutting down');
      await coordinator.close();
    });
}

/** The file and directory fields of a coordinator config file, as [section, field] or [field]. */
const PATH_FIELDS: readonly (readonly string[])[] = [
  ['stateDir'],
  ['auth', 'clientTokensFile'],
  ['tls', 'certFile'],
  ['tls', 'keyFile'],
  ['tls', 'clientCaFile'],
  ...TEST_DATA_PATH_FIELDS,
];

/**
 * The state fields the flags set: `--state` a postgres:// or postgresql:// URL → stateUrl, anything else → stateDir,
 * the other field cleared (a flag overrides the config file's choice); else `--state-dir` → stateDir; else none.
 */
export function stateFields(state: string | undefined, stateDir: string | undefined): Record<string, string | null> {
  if (state !== undefined)
    return /^postgres(ql)?:\/\//.test(state)
      ? { stateUrl: state, stateDir: null }
      : { stateDir: state, stateUrl: null };
  return stateDir === undefined ? {} : { stateDir };
}
