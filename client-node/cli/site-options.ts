import { Command, Option, type OptionValues } from 'commander';
import { parseClientConfig, type ClientConfig } from '../../shared/config/index.js';
import { DEFAULT_COORDINATOR_ADDRESS, LABEL_QUALITY_SCORES } from '../../shared/contract/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { parseAttack, parseLabelNoise } from '../attacks/index.js';
import { parseDataSpec } from './data-spec.js';
import { addClientTlsOptions, clientTlsFromFlags, floatArg, intArg } from '../../shared/cli/index.js';

/** A parsed flag value, or a ConfigError naming the flag and the expected form. */
function flag<T>(parsed: T | undefined, name: string, given: string, expected: string): T {
  if (parsed === undefined) throw new ConfigError(`${name} "${given}": expected ${expected}`, { field: name.slice(2) });
  return parsed;
}

/**
 * Adds the flags of a site to `cmd`: `fedsift client` and `fedsift preflight` take the same ones, so an operator checks
 * a site with exactly the arguments its daemon runs with.
 */
export function addSiteOptions(cmd: Command): Command {
  cmd
    .requiredOption('--site-id <id>', 'stable name of this data site (keeps the client id across restarts)')
    .option(
      '--coordinator <host:port,...>',
      'coordinator gRPC address; several, comma-separated (or a DNS name with several records), for coordinators of one federation on PostgreSQL: the daemon follows the leader',
      process.env.FEDSIFT_COORDINATOR ?? DEFAULT_COORDINATOR_ADDRESS,
    )
    .option(
      '--nats-url <url>',
      'listen for rounds on NATS JetStream as well as the WatchRounds stream',
      process.env.NATS_URL,
    );
  return addClientTlsOptions(cmd, "this site's")
    .option(
      '--token <token>',
      "this site's enrolment token (from `fedsift enrol`); default $FEDSIFT_TOKEN",
      process.env.FEDSIFT_TOKEN,
    )
    .option(
      '--connect-timeout <ms>',
      'at start-up, give up joining after this long: exit 3 saying what to check (5 while a live daemon holds the site); 0 = keep trying (default 60000)',
      intArg,
    )
    .option('--data <spec>', 'local data: mnist | csv:PATH | idx:IMAGES,LABELS', 'mnist')
    .option('--num-partitions <n>', 'mnist: split the 8,000 training digits into n Dirichlet shares', intArg)
    .option('--partition-index <i>', 'mnist: which share this site holds (0-based)', intArg)
    .option('--alpha <a>', 'mnist: Dirichlet concentration over labels (smaller = more skew)', floatArg)
    .option('--partition-seed <s>', 'mnist: seed of the partition (same on every site)', intArg)
    .option(
      '--schema <file>',
      "csv: the run's data schema (JSON: feature columns, label column and classes, missing-value policy); the table is checked against it at start",
    )
    .option('--label-column <name>', 'csv without --schema: name of the label column (default "label")')
    .option(
      '--feature-scale <x>',
      'csv without --schema: multiply every feature by x (e.g. 0.00392 for 0-255 pixels)',
      floatArg,
    )
    .option('--report-dir <dir>', "write the site's label-issue report and label-next queue here each weighted round")
    .addOption(
      new Option('--report-score <score>', 'label-quality score the report ranks every sample by')
        .choices([...LABEL_QUALITY_SCORES])
        .default('self-confidence'),
    )
    .option('--metrics-port <port>', 'serve Prometheus /metrics and /healthz on this port', intArg)
    .option(
      '--metrics-host <host>',
      'interface of --metrics-port (default 127.0.0.1; 0.0.0.0 to be scraped from elsewhere)',
    )
    .option(
      '--label-noise <kind:rate[:seed]>',
      'fault injection for label-noise experiments: symmetric:R or pair:R (flips local labels)',
    )
    .option(
      '--attack <kind:factor>',
      'fault injection for robustness experiments: scale:F or signflip:F (poisoned updates)',
    )
    .option(
      '--slowdown <F>',
      'simulation aid for straggler experiments: local training takes F times its measured time (waits (F−1)× before submitting), F ≥ 1',
      floatArg,
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend')
        .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
        .default('auto'),
    );
}

/** The client config the flags of {@link addSiteOptions} describe. @throws {ConfigError} naming every bad flag or field. */
export function siteConfigFromFlags(o: OptionValues): ClientConfig {
  return parseClientConfig({
    coordinator: o.coordinator,
    connectTimeoutMs: o.connectTimeout,
    takeover: Boolean(o.takeover),
    natsUrl: o.natsUrl || undefined,
    siteId: o.siteId,
    token: o.token || undefined,
    tls: clientTlsFromFlags(o),
    insecure: Boolean(o.insecure),
    backend: o.backend,
    data: parseDataSpec(o.data, o),
    metricsPort: o.metricsPort,
    metricsHost: o.metricsHost,
    slowdown: o.slowdown,
    reportDir: o.reportDir,
    reportScore: o.reportScore,
    labelNoise:
      o.labelNoise === undefined
        ? undefined
        : flag(
            parseLabelNoise(o.labelNoise),
            '--label-noise',
            o.labelNoise,
            'symmetric:R or pair:R[:seed] with 0 ≤ R < 1',
          ),
    attack:
      o.attack === undefined
        ? undefined
        : flag(parseAttack(o.attack), '--attack', o.attack, 'scale:F or signflip:F with F > 0'),
  });
}
