/**
 * The tiers of the hierarchy benchmark: a coordinator here, `fedsift aggregator` processes joined to it, and simulated
 * sites (peer processes, one per aggregator) joined to the aggregators.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEDSIFT_BIN, stopChild } from '../../coordinator/lab/federation/index.js';
import type { RunStatus } from '../../shared/proto/index.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { freePort } from '../helpers/processes.js';
import type { SimReport } from '../helpers/simulated-sites.js';
import { sampleSelf, spawnPeer } from './peers.js';

/** The coordinator's participants (the aggregators) heartbeat every 5 s and are lost after 60 s, as in the scale benchmark. */
const LIVENESS = { heartbeatIntervalMs: 5_000, clientTimeoutMs: 60_000 };
/**
 * The sites behind the aggregators heartbeat every 30 s and are lost after 10 min: thousands of simulated sites share
 * this machine's cores with the aggregators and the coordinator, and their heartbeats lag behind by tens of seconds
 * while a round's transfers run (with the scale benchmark's 5 s / 60 s most sites of a 10,000-site run were failed as
 * lost before they could deliver).
 */
const SITE_LIVENESS = { heartbeatIntervalMs: 30_000, clientTimeoutMs: 600_000 };
/**
 * Keepalive pings every 60 s, dropped after 120 s without an answer, on both ends of the sites' links and on the
 * aggregators' upstream links: with the default 10 s / 20 s, connections of starved processes were dropped as dead
 * (and a simulated site, unlike a daemon, does not reconnect).
 */
const KEEPALIVE_MS = 60_000;
const TRANSPORT = { keepaliveTimeMs: KEEPALIVE_MS, keepaliveTimeoutMs: 2 * KEEPALIVE_MS };

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
    // FEDSIFT_BENCH_LOGS=dir keeps each aggregator's log there (when a run goes wrong)
    env: { ...process.env, FEDSIFT_INSECURE: '1', FEDSIFT_LOG_LEVEL: 'info' }, // its joins are counted from its log
  });
  let joined = 0;
  let tail = '';
  const keep = process.env.FEDSIFT_BENCH_LOGS;
  child.stderr!.on('data', (d: Buffer) => {
    if (keep) appendFileSync(join(keep, `aggregator-${index}.log`), d);
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
  writeFileSync(
    configFile,
    JSON.stringify({
      ...SITE_LIVENESS,
      transport: TRANSPORT,
      auth: { joinBurst: 2 * o.perAggregator },
      upstream: { transport: TRANSPORT },
    }),
  );
  const tier: AggregatorProcess[] = [];
  try {
    const started = performance.now();
    const ports = await Promise.all(Array.from({ length: o.aggregators }, () => freePort()));
    ports.forEach((port, i) => tier.push(spawnAggregator(c.address, i, port, configFile)));
    await waitFor('every aggregator live', () => (c.liveClients() === o.aggregators ? true : undefined), 300_000);
    const sims = ports.map((port, i) =>
      spawnPeer<SimReport>([
        '--simulate',
        `127.0.0.1:${port}`,
        String(i * o.perAggregator),
        String(o.perAggregator),
        String(KEEPALIVE_MS),
      ]),
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
      roundDeadlineMs: 1_800_000,
    });
    const reports = await Promise.all(sims);
    const siteErrors = reports.flatMap((r) => r.errors).slice(0, 3);
    const rounds = () => run.status().rounds.map((r) => `${r.clientUpdates ?? r.responded} in round ${r.round}`);
    await waitFor(
      `run finished (the sites ended${siteErrors.length ? `: ${siteErrors.join('; ')}` : ''}; ${rounds().join(', ')})`,
      () => (run.isFinished ? true : undefined),
      120_000,
    );
    const aggregatorRss = tier.map((a) => a.peakRss());
    return { connectSeconds, status: run.status(), reports, coordinatorRss: stop().rss, aggregatorRss };
  } finally {
    stop();
    await Promise.all(tier.map((a) => stopChild(a.child)));
    await c.close();
  }
}
