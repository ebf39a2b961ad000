import { dirname, resolve } from 'node:path';
import { Command, type OptionValues } from 'commander';
import { parseAggregatorConfig, readJsonFile, type AggregatorConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { untilShutdownSignal } from '../../shared/lifecycle/index.js';
import { insecureFromEnv, intArg } from '../../shared/cli/index.js';
import { defined, overlay, withPathsFrom } from './config-paths.js';

/**
 * `fedsift aggregator`: a middle tier between client daemons and a coordinator (README "Hierarchical aggregation").
 * Runs until SIGINT/SIGTERM.
 */
export function aggregatorCommand(): Command {
  return new Command('aggregator')
    .description(
      'run a middle-tier aggregator: clients join it as they join a coordinator; it joins --upstream as one ' +
        "participant, relays rounds and the global model, and forwards its clients' updates folded into one",
    )
    .option('--config <file>', 'aggregator config JSON (flags override its fields)')
    .option(
      '--upstream <host:port,...>',
      'the upstream coordinator (several, comma-separated, for a leader and its standbys); default the config ' +
        "file's upstream.coordinator, else $FEDSIFT_COORDINATOR",
    )
    .option('--site-id <id>', "the aggregator's name at the upstream (keeps its client id there across restarts)")
    .option(
      '--token <token>',
      "the aggregator's enrolment token at the upstream (`fedsift enrol` there); default the config file's, else " +
        '$FEDSIFT_TOKEN',
    )
    .option('--upstream-tls-ca <file>', "CA of the upstream's TLS certificate (PEM)")
    .option('--upstream-tls-cert <file>', "mutual TLS at the upstream: the aggregator's certificate (PEM)")
    .option('--upstream-tls-key <file>', "mutual TLS at the upstream: the aggregator's private key (PEM)")
    .option('--host <host>', 'interface its clients join on (default 127.0.0.1)')
    .option('--port <port>', 'gRPC port its clients join, 0 = any free port (default 50052)', intArg)
    .option('--client-tokens <file>', 'enrolment file of the sites allowed to join it (see `fedsift enrol`)')
    .option('--tls-cert <file>', "TLS certificate of the aggregator's gRPC server (PEM); with --tls-key")
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-client-ca <file>', 'mutual TLS: its clients must present a certificate signed by this CA')
    .option('--clients-per-round <n>', 'clients asked per upstream round (default: every live one)', intArg)
    .option(
      '--min-clients <n>',
      'a relayed round waits (until its deadline) for this many live clients whose data fits the run (default 1)',
      intArg,
    )
    .option(
      '--insecure',
      'plain-text gRPC to its clients and to the upstream (development only; default $FEDSIFT_INSECURE)',
      insecureFromEnv(),
    )
    .action(async (o) => {
      const file = o.config
        ? withPathsFrom(dirname(resolve(o.config)), readJsonFile(o.config, 'aggregator config'), PATH_FIELDS)
        : {};
      const config = aggregatorConfigFrom(o, file, process.env);
      const logger = createLogger({ name: 'aggregator' });
      const { startAggregator } = await import('../aggregator/index.js');
      const aggregator = await startAggregator(config, logger);
      const stop = await Promise.race([untilShutdownSignal(), aggregator.cutOff.then(() => 'cut-off' as const)]);
      logger.info({ why: stop }, 'shutting down');
      await aggregator.close();
      if (stop === 'cut-off') process.exitCode = 5; // as `fedsift client` when another daemon speaks for its site
    });
}

/**
 * The aggregator config that flags `o` and a config file's content `file` (paths resolved) describe: each flag
 * overrides its field, a TLS or auth flag only its own field of the file's section; $FEDSIFT_COORDINATOR and
 * $FEDSIFT_TOKEN (in `env`) fill upstream.coordinator and upstream.token only when neither a flag nor the file sets them.
 * @throws {ConfigError} naming every bad field.
 */
export function aggregatorConfigFrom(
  o: OptionValues,
  file: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): AggregatorConfig {
  const upstreamFile = (file.upstream ?? {}) as Record<string, unknown>;
  const fromEnv = (value: unknown, name: string) => (value === undefined ? env[name] || undefined : undefined);
  return parseAggregatorConfig({
    ...file,
    ...defined({ host: o.host, port: o.port, clientsPerRound: o.clientsPerRound, minClients: o.minClients }),
    ...defined({
      insecure: o.insecure || file.insecure || undefined,
      tls: overlay(file.tls, { certFile: o.tlsCert, keyFile: o.tlsKey, clientCaFile: o.tlsClientCa }),
      auth: overlay(file.auth, { clientTokensFile: o.clientTokens }),
    }),
    upstream: {
      ...upstreamFile,
      ...defined({
        coordinator: o.upstream ?? fromEnv(upstreamFile.coordinator, 'FEDSIFT_COORDINATOR'),
        siteId: o.siteId,
        token: o.token || fromEnv(upstreamFile.token, 'FEDSIFT_TOKEN'),
        tls: overlay(upstreamFile.tls, {
          caFile: o.upstreamTlsCa,
          certFile: o.upstreamTlsCert,
          keyFile: o.upstreamTlsKey,
        }),
        insecure: o.insecure || upstreamFile.insecure || undefined,
      }),
    },
  });
}

/** The file fields of an aggregator config file, as [section, field]. */
const PATH_FIELDS: readonly (readonly string[])[] = [
  ['auth', 'clientTokensFile'],
  ['tls', 'certFile'],
  ['tls', 'keyFile'],
  ['tls', 'clientCaFile'],
  ['upstream', 'tls', 'caFile'],
  ['upstream', 'tls', 'certFile'],
  ['upstream', 'tls', 'keyFile'],
];
