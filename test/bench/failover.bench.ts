/**
 * Failover: two coordinator processes on one PostgreSQL schema (default lease, 10 s), 3 client daemons (MLP on
 * MNIST shares); the leader is SIGKILLed right after it committed round 2. Timed: SIGKILL → the standby's first
 * completed round (round 3), seen by polling RunStatus every 50 ms, and SIGKILL → the standby's "leading" log line.
 * Baselines of the same run: the lease (the least a take-over can wait, since a dead leader cannot release it) and
 * the median round of the same run before the kill. Median of 3 trials.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from '../../coordinator/operator/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { pollRun, pollStart, startCoordinatorProcess } from '../helpers/coordinator-processes.js';
import { testSchema } from '../helpers/postgres.js';
import { freePort } from '../helpers/processes.js';
import { emit, median } from './report.js';

const TRIALS = 3;
const LEASE_MS = 10_000;
const CLIENTS = 3;
const RUN = { rounds: 4, clientsPerRound: CLIENTS, minClients: CLIENTS, localEpochs: 1, model: 'mlp', seed: 3 };

/** Time of the first JSON log line whose message matches `msg` (ms since epoch), or undefined. */
function logTime(text: string, msg: RegExp): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue; // the last line may still be arriving
    const l = JSON.parse(line) as { msg?: string; time?: number };
    if (l.msg && msg.test(l.msg)) return l.time;
  }
  return undefined;
}

/** One trial. @returns seconds from SIGKILL to the standby's lead and to its first round, and the rounds before. */
async function trial(): Promise<{ lead: number; round: number; roundsBefore: number[] }> {
  const schema = testSchema();
  const [portA, portB] = [await freePort(), await freePort()];
  const [addressA, addressB] = [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`];
  const logsB = { text: '' };
  const a = startCoordinatorProcess(portA, schema.url, ['--advertise', addressA]);
  const admins = [new AdminClient(addressA), new AdminClient(addressB)];
  const clients = Array.from({ length: CLIENTS }, (_, i) => spawnClient(`${addressA},${addressB}`, i, CLIENTS));
  let b: ChildProcess | undefined;
  try {
    const runId = await pollStart(admins.slice(0, 1), [a], RUN);
    b = startCoordinatorProcess(portB, schema.url, ['--advertise', addressB], logsB);
    // B stands by before the kill: its start-up is not part of a failover.
    for (const until = Date.now() + 120_000; logTime(logsB.text, /^standing by$/) === undefined; await sleep(50))
      if (Date.now() > until || b.exitCode !== null) throw new Error(`the standby did not stand by:\n${logsB.text}`);
    const before = await pollRun(admins.slice(0, 1), runId, (s) => s.rounds.length >= 2);
    a.kill('SIGKILL');
    const killed = Date.now();
    await pollRun([admins[1]!], runId, (s) => s.rounds.length > before.rounds.length, 120_000);
    const round = (Date.now() - killed) / 1000;
    const led = logTime(logsB.text, /^leading/);
    return {
      lead: led === undefined ? NaN : (led - killed) / 1000,
      round,
      roundsBefore: before.rounds.map((r) => r.durationMs / 1000),
    };
  } finally {
    admins.forEach((x) => x.close());
    await Promise.all(clients.map((c) => stopChild(c.child)));
    await Promise.all([a, b].filter((p) => p !== undefined).map((p) => stopChild(p)));
    await schema.drop();
  }
}

const trials = [];
for (let i = 0; i < TRIALS; i++) trials.push(await trial());
const round = median(trials.map((t) => t.round));
const lead = median(trials.map((t) => t.lead));
const normalRound = median(trials.flatMap((t) => t.roundsBefore));
const resume = median(trials.map((t) => t.round - t.lead));
const s = (x: number) => `${x.toFixed(1)} s`;
emit({
  title: `Failover: leader SIGKILLed, standby on the same PostgreSQL takes over (lease ${LEASE_MS / 1000} s, ${CLIENTS} clients)`,
  figures: [
    {
      what: "SIGKILL → the standby's first completed round",
      value: s(round),
      baseline: `the lease ${s(LEASE_MS / 1000)}`,
      ratio: round / (LEASE_MS / 1000),
    },
    { what: 'SIGKILL → the standby leads', value: s(lead), baseline: `the lease ${s(LEASE_MS / 1000)}` },
    {
      what: 'taking the lead → its first completed round (load the run, clients re-join, one round)',
      value: s(resume),
      baseline: `a round before the kill ${s(normalRound)}`,
      ratio: resume / normalRound,
    },
  ],
  notes: [
    `median of ${TRIALS} trials: to the first round ${trials.map((t) => s(t.round)).join(', ')}; to the lead ${trials.map((t) => s(t.lead)).join(', ')}`,
    "the take-over waits out the dead leader's lease (it cannot release it); then the standby loads the run from PostgreSQL, the daemons move to it (their calls to the dead leader fail UNAVAILABLE) and re-join, and it plays the next round",
  ],
});
