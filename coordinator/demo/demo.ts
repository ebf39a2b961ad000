import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCoordinatorConfig, parseRunConfig, type RunConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import { AdminClient } from '../cli/admin-client.js';
import { watchRun } from '../cli/run-commands.js';
import { startCoordinator } from '../main.js';

/** Options of `fedsift demo`. */
export interface DemoOptions {
  clients: number;
  rounds: number;
  model: string;
  localEpochs: number;
  /** Dirichlet concentration of the label skew across clients. */
  alpha: number;
  seed: number;
  /** Path of the JSON results file. */
  out: string;
  natsUrl?: string;
}

/** What the demo writes to its results file. */
export interface DemoResult {
  runId: string;
  state: string;
  config: RunConfig;
  clients: number;
  broadcast: string;
  finalTestAccuracy: number;
  bestTestAccuracy: number;
  wallSeconds: number;
  rounds: RoundSummary[];
}

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));

/**
 * The main job on a bare machine: an in-process coordinator on a free loopback port, `clients` client daemon
 * processes each holding its Dirichlet(α) share of the 8,000 training digits, one FedAvg run followed live through
 * the Admin API, centralised evaluation on the 2,000 held-out digits, and a JSON results file.
 */
export async function runDemo(o: DemoOptions, logger: Logger, out: (line: string) => void = console.log): Promise<DemoResult> {
  const started = performance.now();
  const coordinator = await startCoordinator(parseCoordinatorConfig({ port: 0, natsUrl: o.natsUrl }), logger);
  const children: ChildProcess[] = [];
  const admin = new AdminClient(coordinator.address);
  try {
    for (let i = 0; i < o.clients; i++) children.push(spawnClient(coordinator.address, i, o));
    const config = parseRunConfig({
      name: 'demo',
      rounds: o.rounds,
      clientsPerRound: o.clients,
      minClients: Math.max(1, Math.ceil(o.clients * 0.8)),
      minAvailableClients: o.clients,
      localEpochs: o.localEpochs,
      model: o.model,
      seed: o.seed,
      roundDeadlineMs: 120_000,
    });
    out(`fedsift demo: ${o.clients} client processes, ${o.rounds} rounds of FedAvg, model ${o.model}, Dirichlet α=${o.alpha} over labels, announcements via ${coordinator.broadcast}`);
    const { runId } = await admin.startRun(config);
    out(`run ${runId} started; waiting for ${o.clients} clients to join`);
    const final = await watchRun(admin, runId, false, out);
    const accs = final.rounds.map((r) => r.testAccuracy);
    const result: DemoResult = {
      runId,
      state: final.state,
      config,
      clients: o.clients,
      broadcast: coordinator.broadcast,
      finalTestAccuracy: accs.at(-1) ?? NaN,
      bestTestAccuracy: Math.max(...accs),
      wallSeconds: (performance.now() - started) / 1000,
      rounds: final.rounds,
    };
    writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
    out(`final test accuracy ${(result.finalTestAccuracy * 100).toFixed(2)}% on the 2,000 held-out digits after ${final.rounds.length} rounds (${result.wallSeconds.toFixed(0)} s); results in ${o.out}`);
    return result;
  } finally {
    admin.close();
    await Promise.all(children.map(stopChild));
    await coordinator.close();
  }
}

function spawnClient(address: string, index: number, o: DemoOptions): ChildProcess {
  const args = [BIN, 'client', '--site-id', `demo-site-${index}`, '--coordinator', address, '--data', 'mnist'];
  args.push('--num-partitions', String(o.clients), '--partition-index', String(index), '--alpha', String(o.alpha), '--partition-seed', String(o.seed));
  if (o.natsUrl) args.push('--nats-url', o.natsUrl);
  return spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FEDSIFT_LOG_LEVEL: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' } });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
