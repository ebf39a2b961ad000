import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { clientTlsSchema, parseWith, PLAINTEXT_HINT, readJsonFile } from '../../shared/config/index.js';
import { DEFAULT_COORDINATOR_ADDRESS } from '../../shared/contract/index.js';
import { parseRunConfig, RUN_CONFIG_KEYS } from '../config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { isFinalRunState, type RunStatus } from '../../shared/proto/index.js';
import { AdminClient, formatRunList, formatRunStatus, stateName, watchRun } from '../operator/index.js';
import { addClientTlsOptions, clientTlsFromFlags, floatArg, intArg } from '../../shared/cli/index.js';
import { parseModelRef } from '../../shared/models/index.js';
import { loadDataSchema } from '../../shared/tabular/index.js';
import { TEST_DATA_PATH_FIELDS, withPathsFrom } from './config-paths.js';

/**
 * A run config with its paths resolved against `dir` (withPathsFrom): its test data, and its model when that names a
 * model.json. The coordinator reads them on its machine; made absolute here, they mean what they meant where the
 * command was typed (in a config file: next to the file).
 */
function runPathsFrom(dir: string, config: Record<string, unknown>): Record<string, unknown> {
  const ref = typeof config.model === 'string' ? parseModelRef(config.model) : undefined;
  const modelFile = typeof ref === 'object' && ref.kind === 'file';
  return withPathsFrom(dir, config, modelFile ? [...TEST_DATA_PATH_FIELDS, ['model']] : TEST_DATA_PATH_FIELDS);
}

/** Exit status of a run watched to its end, for scripts: 0 completed; 3 suspended (the coordinator shut down, the run resumes when it restarts); 4 failed or stopped. */
function runExitCode(s: RunStatus): number {
  if (s.state === 'RUN_STATE_SUSPENDED') return 3;
  return s.state === 'RUN_STATE_COMPLETED' ? 0 : 4;
}

async function withAdmin<T>(cmd: Command, fn: (admin: AdminClient) => Promise<T>): Promise<T> {
  const o = cmd.optsWithGlobals();
  const { coordinator, adminToken, insecure } = o;
  const flags = clientTlsFromFlags(o);
  const tls = flags && parseWith(clientTlsSchema, flags, 'TLS flags');
  if (!tls && !insecure) throw new ConfigError(`--tls-ca: ${PLAINTEXT_HINT}`, { field: 'tls-ca' });
  const admin = new AdminClient(coordinator, { token: adminToken || undefined, tls });
  try {
    return await fn(admin);
  } finally {
    admin.close();
  }
}

/** `fedsift run start|status|watch|stop|list`: operate runs through the coordinator's Admin service. */
export function runCommand(): Command {
  const run = addClientTlsOptions(
    new Command('run')
      .description(
        "start, inspect, follow and stop training runs; under mutual TLS with the operator's certificate (`fedsift certs` writes operator.pem), never a site's",
      )
      .option(
        '--coordinator <host:port>',
        'coordinator gRPC address',
        process.env.FEDSIFT_COORDINATOR ?? DEFAULT_COORDINATOR_ADDRESS,
      )
      .option(
        '--admin-token <token>',
        "the coordinator's admin token; default $FEDSIFT_ADMIN_TOKEN",
        process.env.FEDSIFT_ADMIN_TOKEN,
      ),
    "the operator's",
  );

  const start = new Command('start')
    .description('start a run from a run config file and/or flags (see README "Run config")')
    .option('--config <file>', 'run config JSON')
    .option('--rounds <n>', 'number of rounds', intArg)
    .option('--clients-per-round <n>', 'clients selected per round', intArg)
    .option('--min-clients <n>', 'quorum: updates needed to aggregate a round', intArg)
    .option('--round-deadline-ms <ms>', 'round deadline', intArg)
    .option('--local-epochs <n>', 'local epochs per round', intArg)
    .option('--batch-size <n>', 'local batch size', intArg)
    .option('--learning-rate <x>', 'local learning rate', floatArg)
    .option(
      '--model <ref>',
      'model: mlp | cnn | mlp:<hidden sizes> (e.g. mlp:64,32; needs --schema) | a tfjs model.json on the coordinator',
    )
    .option('--schema <file>', 'the sites\' data schema JSON (README "Bring your own model and data")')
    .option('--seed <n>', 'run seed', intArg)
    .option('--name <name>', 'label shown in status')
    .option('--strategy <name>', 'aggregation strategy with default hyper-parameters (objects: use --config)')
    .option('--min-available-clients <n>', 'live clients needed before a round selects', intArg)
    .option('--wait-for-clients-ms <ms>', 'how long to wait for them before failing', intArg)
    .option('--max-round-attempts <n>', 'attempts of a round below quorum', intArg)
    .option('--update-codec <codec>', 'how clients send updates: none | fp16 | int8[:block] | topk:F[+int8[:block]]')
    .option('--download-codec <codec>', 'how the global model is sent: none | fp16')
    .addOption(
      new Option('--mode <mode>', 'sync rounds, or async FedBuff versions (its settings: --config "async")').choices([
        'sync',
        'async',
      ]),
    )
    .option('--hierarchical', 'let aggregators (`fedsift aggregator`) take part for their sub-fleets')
    .option('--watch', 'follow the run until it finishes')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const flags = Object.fromEntries(
        Object.entries(o).filter(([k, v]) => RUN_CONFIG_KEYS.includes(k) && k !== 'schema' && v !== undefined),
      );
      const file = o.config && runPathsFrom(dirname(resolve(o.config)), readJsonFile(o.config, 'run config'));
      const config = {
        ...file,
        ...runPathsFrom(process.cwd(), flags),
        ...(o.schema && { schema: loadDataSchema(o.schema) }),
      };
      parseRunConfig(config); // fail here, with the field named, before contacting the coordinator
      process.exitCode = await withAdmin(cmd, async (admin) => {
        const status = await admin.startRun(config);
        console.log(o.json ? JSON.stringify(status) : `started ${status.runId}`);
        return o.watch ? runExitCode(await watchRun(admin, status.runId, Boolean(o.json))) : 0;
      });
    });

  const status = new Command('status')
    .description('show a run: state, rounds, accuracy')
    .argument('<runId>')
    .option('--json', 'print JSON')
    .action(async (runId: string, o, cmd: Command) => {
      const s = await withAdmin(cmd, (admin) => admin.getRun(runId));
      console.log(o.json ? JSON.stringify(s) : formatRunStatus(s));
    });

  const watch = new Command('watch')
    .description('follow a run live, one line per round, until it finishes (exit 0 completed, 4 failed/stopped)')
    .argument('<runId>')
    .option('--json', 'print one JSON event per line')
    .action(async (runId: string, o, cmd: Command) => {
      process.exitCode = runExitCode(await withAdmin(cmd, (admin) => watchRun(admin, runId, Boolean(o.json))));
    });

  const stop = new Command('stop')
    .description('stop a run; the open round is abandoned')
    .argument('<runId>')
    .option('--json', 'print JSON')
    .action(async (runId: string, o, cmd: Command) => {
      const s = await withAdmin(cmd, (admin) => admin.stopRun(runId));
      console.log(
        o.json
          ? JSON.stringify(s)
          : isFinalRunState(s.state)
            ? `run ${s.runId} already ${stateName(s)}`
            : `stopping ${s.runId}`,
      );
    });

  const list = new Command('list')
    .description("list the coordinator's runs")
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const runs = await withAdmin(cmd, (admin) => admin.listRuns());
      console.log(o.json ? JSON.stringify(runs) : formatRunList(runs));
    });

  return run.addCommand(start).addCommand(status).addCommand(watch).addCommand(stop).addCommand(list);
}
