/**
 * The far ends of the benchmarks, each in its own process as a real site would be: simulated sites that speak
 * fedsift's protocol (no training), and raw TCP peers for the baselines. `peer-main.ts` is the process entry.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ModelWeights } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logging/index.js';
import type { RunStatus } from '../../shared/proto/index.js';
import { createRng } from '../../shared/random/index.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { runSimulatedSites, type SimReport } from '../helpers/simulated-sites.js';
import { bareClient } from './bare-grpc.js';

const PEER_MAIN = fileURLToPath(new URL('./peer-main.ts', import.meta.url));

/** Runs peer-main.ts with `args`; resolves with its last stdout line parsed as JSON. @throws when it exits non-zero. */
export function spawnPeer<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T)
        : reject(new Error(`bench peer ${args[0]} exited ${code}`)),
    ),
  );
}

/** Splits `clients` simulated sites over at most `processes` processes; resolves with their reports once the run ends. */
export function spawnSimulators(address: string, clients: number, processes: number): Promise<SimReport[]> {
  const per = Math.ceil(clients / Math.min(processes, clients));
  const count = Math.ceil(clients / per);
  return Promise.all(
    Array.from({ length: count }, (_, p) =>
      spawnPeer<SimReport>(['--simulate', address, String(p * per), String(Math.min(per, clients - p * per))]),
    ),
  );
}

/** Peak RSS (bytes) and open file descriptors of this process, sampled every 200 ms until the returned stop is called. */
export function sampleSelf(): () => { rss: number; fds: number } {
  let rss = 0,
    fds = 0;
  const t = setInterval(() => {
    rss = Math.max(rss, process.memoryUsage().rss);
    fds = Math.max(fds, readdirSync('/proc/self/fd').length);
  }, 200);
  return () => (clearInterval(t), { rss, fds });
}

/** A finished federation of simulated sites (see simulatedFederation). */
export interface FederationRun {
  /** Seconds from spawning the site processes until every site was live. */
  connectSeconds: number;
  status: RunStatus;
  reports: SimReport[];
  /** This (coordinator) process's peak RSS (bytes) and open file descriptors. */
  peaks: { rss: number; fds: number };
  /** CPU seconds (user + system) this (coordinator) process spent from the run's start to its end. */
  runCpuSeconds: number;
}

/**
 * Starts a coordinator here whose model has `params` float32 values (config overrides in `coordinator`), spawns
 * `clients` simulated sites over `processes` processes, waits until all are live, and runs `rounds` rounds in which
 * every site is selected and needed (with `run`'s config fields on top). Site errors are in the reports, not thrown.
 */
export async function simulatedFederation(o: {
  params: number;
  clients: number;
  processes: number;
  rounds: number;
  coordinator?: Record<string, unknown>;
  /** Run config fields besides the rounds, the clients and the model (e.g. secureAggregation). */
  run?: Record<string, unknown>;
}): Promise<FederationRun> {
  // FEDSIFT_LOG_LEVEL=warn (say) shows the coordinator's log when a benchmark's run goes wrong; quiet otherwise.
  const level = process.env.FEDSIFT_LOG_LEVEL;
  const logger = level ? createLogger({ name: 'bench-coordinator', level }) : undefined;
  const c = await startTestCoordinator(
    o.coordinator ?? {},
    { runtime: new FixedModelRuntime(o.params, false) },
    logger,
  );
  const stop = sampleSelf();
  try {
    const started = performance.now();
    const sims = spawnSimulators(c.address, o.clients, o.processes);
    await waitFor(`${o.clients} live clients`, () => (c.liveClients() === o.clients ? true : undefined), 300_000);
    const connectSeconds = (performance.now() - started) / 1000;
    const cpuAtStart = process.cpuUsage();
    const run = await c.manager.startRun({
      rounds: o.rounds,
      clientsPerRound: o.clients,
      minClients: o.clients,
      model: 'mlp',
      roundDeadlineMs: 600_000,
      ...o.run,
    });
    const reports = await sims;
    const siteErrors = reports.flatMap((r) => r.errors).slice(0, 3);
    await waitFor(
      `run finished (the sites ended${siteErrors.length ? `: ${siteErrors.join('; ')}` : ''})`,
      () => (run.isFinished ? true : undefined),
      60_000,
    );
    const cpu = process.cpuUsage(cpuAtStart);
    const runCpuSeconds = (cpu.user + cpu.system) / 1e6;
    return { connectSeconds, status: run.status(), reports, peaks: stop(), runCpuSeconds };
  } finally {
    stop();
    await c.close();
  }
}

/**
 * Process body: `count` simulated sites from index `first`; prints its SimReport. @param keepaliveMs the sites'
 * keepalive ping interval (its timeout twice that): longer than the default when thousands share the machine.
 */
export async function simulator(address: string, first: number, count: number, keepaliveMs?: number): Promise<void> {
  const transport = keepaliveMs
    ? { ...DEFAULT_TRANSPORT, keepaliveTimeMs: keepaliveMs, keepaliveTimeoutMs: 2 * keepaliveMs }
    : undefined;
  console.log(
    JSON.stringify(await runSimulatedSites(address, first, count, undefined, undefined, undefined, transport)),
  );
}

/** A loopback TCP sink: on each connection, answers `bytes` bytes once it has read `bytes`. */
export async function tcpSink(bytes: number): Promise<{ port: number; close: () => void }> {
  const payload = Buffer.alloc(bytes, 7);
  const server = createServer((s: Socket) => {
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got === bytes) s.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

/** Sends `payload` to a tcpSink on one new connection and reads as many bytes back. @returns seconds. */
export function tcpRoundTrip(port: number, payload: Buffer): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write(payload));
    let back = 0;
    c.on('error', reject);
    c.on('data', (d: Buffer) => {
      back += d.length;
      if (back === payload.length) (c.destroy(), resolve((performance.now() - started) / 1000));
    });
  });
}

/** Process body of the TCP baseline: `connections` sockets at once each send `bytes` and read `bytes` back; prints seconds per repeat. */
export async function tcpPeer(port: number, connections: number, bytes: number, repeats: number): Promise<void> {
  const payload = Buffer.alloc(bytes, 7);
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, () => tcpRoundTrip(port, payload)));
    seconds.push((performance.now() - started) / 1000);
  }
  console.log(JSON.stringify(seconds));
}

/**
 * Raw TCP baseline: `processes` peer processes open `connections` connections in all to a sink here, each moving
 * `bytes` both ways. @returns the seconds of the slowest peer process, per repeat.
 */
export async function rawTcpSeconds(
  bytes: number,
  connections: number,
  processes: number,
  repeats: number,
): Promise<number[]> {
  const sink = await tcpSink(bytes);
  try {
    const per = Math.ceil(connections / processes);
    const runs = await Promise.all(
      Array.from({ length: processes }, () =>
        spawnPeer<number[]>(['--tcp-peer', String(sink.port), String(per), String(bytes), String(repeats)]),
      ),
    );
    return Array.from({ length: repeats }, (_, r) => Math.max(...runs.map((s) => s[r]!)));
  } finally {
    sink.close();
  }
}

/** Seconds of one transfer both ways over raw TCP and over the measured path, taken back to back. */
export interface PairedSeconds {
  tcp: number;
  measured: number;
}

/** Seconds of one round of the transfer benchmark's site, its three transfers taken back to back. */
export interface TransferRound {
  /** Raw TCP, the same bytes both ways. */
  tcp: number;
  /** The bare grpc-js stream (bare-grpc.ts), the same bytes both ways in the same chunks. */
  bare: number;
  /** fedsift's FetchModel + SubmitUpdate, from the fetch request to the update's ack. */
  fedsift: number;
}

/**
 * Process body of the transfer benchmark's site: one simulated site whose every round first moves `bytes` both ways
 * over raw TCP to the sink at `tcpPort`, then over the bare grpc-js server at `bareAddress`, then plays the round
 * (fetch + submit); prints the TransferRound of each round. The bare transfer comes before the round, while the
 * coordinator waits for the update, so neither disturbs the other's CPU figures (after its ack the coordinator closes
 * the round).
 */
export async function transferSite(
  address: string,
  tcpPort: number,
  bytes: number,
  bareAddress: string,
): Promise<void> {
  const payload = Buffer.alloc(bytes, 7);
  const bareStream = bareClient(bareAddress);
  const rounds: TransferRound[] = [];
  const report = await runSimulatedSites(address, 0, 1, async (play) => {
    const tcp = await tcpRoundTrip(tcpPort, payload);
    const bare = await bareStream.roundTrip(payload);
    const started = performance.now();
    await play();
    rounds.push({ tcp, bare, fedsift: (performance.now() - started) / 1000 });
  });
  bareStream.close();
  if (report.errors.length) throw new Error(`site errors: ${report.errors.join('; ')}`);
  console.log(JSON.stringify(rounds));
}

/**
 * Process body of the codec benchmark's site: one simulated site whose trained weights are the global model plus
 * seeded uniform noise in ±1e-3 (so that every codec has a real delta to encode); prints the seconds each round's
 * update took, from before encoding to the ack.
 */
export async function codecSite(address: string): Promise<void> {
  const seconds: number[] = [];
  let noise: Float32Array | undefined;
  const train = (global: ModelWeights): ModelWeights => {
    if (!noise) {
      const rng = createRng(7);
      noise = new Float32Array(global.values.length);
      for (let i = 0; i < noise.length; i++) noise[i] = (rng.next() - 0.5) * 2e-3;
    }
    const values = global.values.slice();
    for (let i = 0; i < values.length; i++) values[i] = values[i]! + noise[i]!;
    return { specs: global.specs, values };
  };
  const report = await runSimulatedSites(address, 0, 1, async (play) => void seconds.push(await play()), train);
  if (report.errors.length) throw new Error(`site errors: ${report.errors.join('; ')}`);
  console.log(JSON.stringify(seconds));
}
