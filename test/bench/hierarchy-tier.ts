/**
 * The tiers of the hierarchy benchmark: a coordinator here, `fedsift aggregator` processes joined to it, and simulated
 * sites (peer processes, one per aggregator) joined to the aggregators.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEDSIFT_BIN, stopChild } from '../../coordinator/lab/federation/index.js';
import type { RunStatus } from '../../shared/proto/index.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { freePort } from '../helpers/processes.js';
import type { SimReport } from '../helpers/simulated-sites.js';
import { sampleSelf, spawnPeer } from './peers.js';

/** Heartbeats every 5 s, a client silent for 60 s is lost: at every tier, as in the scale benchmark. */
const LIVENESS = { heartbeatIntervalMs: 5_000, clientTimeoutMs: 60_000 };

/** A running `fedsift aggregator` process and how many of its clients have joined (from its log). */
interface AggregatorProcess {
  child: ChildProcess;
  joined: () => number;
  /** Its peak RSS so far (VmHWM, bytes). */
  peakRss: () => number;
}

function spawnAggregator(upstream: string, index: number, port: number, configFile: string): AggregatorProcess {
  const args = ['aggregator', '--config', configFile, '--upstream', upstream, '--site-id', `agg-${index}`];
  const child = spawn(process.execPath, [FEDSIFT_BIN, ...args, '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FEDSIFT_INSECURE: '1' },
  });
  let joined = 0;
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (tail + d.toString()).split('\n');
    tail = lines.pop()!;
    for (const l of lines) if (l.includes('"msg":"client joined"')) joined++;
  });
  const peakRss = () => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) * 1024 : 0;
  };
  return { child, joined: () => joined, peakRss };
}

/** A finished hierarchical run (see tieredFederation). */
export interface TieredRun {
  connectSeconds: number;
  status: RunStatus;
  reports: SimReport[];
  /** The coordinator's (this process's) peak RSS during the run, and each aggregator's (bytes). */
  coordinatorRss: number;
  aggregatorRss: number[];
}

/**
 * A coordinator here whose model has `params` float32 values, `aggregators` aggregator processes joined to it, and
 * `perAggregator` simulated sites behind each (one peer process per aggregator); once every site has joined, a
 * hierarchical run of `rounds` rounds selecting every aggregator, to its end.
 */
export async function tieredFederation(o: {
  params: number;
  aggregators: number;
  perAggregator: number;
  rounds: number;
}): Promise<TieredRun> {
  const c = await startTestCoordinator(LIVENESS, { runtime: new FixedModelRuntime(o.params, false) });
  const stop = sampleSelf();
  const configFile = join(mkdtempSync(join(tmpdir(), 'fedsift-bench-')), 'aggregator.json');
  writeFileSync(configFile, JSON.stringify({ ...LIVENESS, auth: { joinBurst: 2 * o.perAggregator } }));
  const tier: AggregatorProcess[] = [];
  try {
    const started = performance.now();
    const ports = await Promise.all(Array.from({ length: o.aggregators }, () => freePort()));
    ports.forEach((port, i) => tier.push(spawnAggregator(c.address, i, port, configFile)));
    await waitFor('every aggregator live', () => (c.liveClients() === o.aggregators ? true : undefined), 300_000);
    const sims = ports.map((port, i) =>
      spawnPeer<SimReport>(['--simulate', `127.0.0.1:${port}`, String(i * o.perAggregator), String(o.perAggregator)]),
    );
    const everyone = () => tier.every((a) => a.joined() >= o.perAggregator);
    await waitFor('every site joined its aggregator', () => (everyone() ? true : undefined), 600_000);
    const connectSeconds = (performance.now() - started) / 1000;
    const run = await c.manager.startRun({
      rounds: o.rounds,
      clientsPerRound: o.aggregators,
      minClients: o.aggregators,
      hierarchical: true,
      model: 'mlp',
      roundDeadlineMs: 600_000,
    });
    const reports = await Promise.all(sims);
    await waitFor('run finished', () => (run.isFinished ? true : undefined), 120_000);
    const aggregatorRss = tier.map((a) => a.peakRss());
    return { connectSeconds, status: run.status(), reports, coordinatorRss: stop().rss, aggregatorRss };
  } finally {
    stop();
    await Promise.all(tier.map((a) => stopChild(a.child)));
    await c.close();
  }
}
