import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { FEDSIFT_BIN } from '../../coordinator/lab/federation/index.js';
import type { AdminClient } from '../../coordinator/operator/index.js';
import type { RunStatus } from '../../shared/proto/index.js';

/**
 * Starts `fedsift coordinator` as a process of its own on `port` (plain text, HTTP on a free port) with `state`
 * (`--state`: a directory or a postgres:// URL) and any `extraArgs`; its stderr is collected when `logs` is given.
 */
export function startCoordinatorProcess(
  port: number,
  state: string,
  extraArgs: string[] = [],
  logs?: { text: string },
): ChildProcess {
  const args = [FEDSIFT_BIN, 'coordinator', '--port', String(port), '--http-port', '0', '--state', state];
  const child = spawn(process.execPath, [...args, '--insecure', ...extraArgs], {
    stdio: ['ignore', 'ignore', logs ? 'pipe' : 'ignore'],
    env: { ...process.env, FEDSIFT_LOG_LEVEL: logs ? 'info' : 'warn' },
  });
  child.stderr?.on('data', (d: Buffer) => (logs!.text += d.toString()));
  return child;
}

/**
 * Polls GetRun on each admin client in turn (a standby refuses, a dead coordinator fails: both are skipped) until
 * `done` holds. `timeoutMs` only turns a hang into a message before node --test's own per-test timeout would.
 */
export async function pollRun(
  admins: AdminClient[],
  runId: string,
  done: (s: RunStatus) => boolean,
  timeoutMs = 280_000,
): Promise<RunStatus> {
  const until = Date.now() + timeoutMs;
  let last: RunStatus | undefined;
  for (;;) {
    for (const admin of admins) {
      const s = await admin.getRun(runId).catch(() => undefined);
      if (s && done(s)) return s;
      last = s ?? last;
    }
    if (Date.now() > until)
      throw new Error(
        `run ${runId}: timed out; last status ${JSON.stringify(last && { state: last.state, rounds: last.rounds.length })}`,
      );
    await sleep(100);
  }
}

/**
 * Starts a run with `config` on the first of `admins` that accepts it (however long the coordinators' start-up and
 * election take); fails if every coordinator process has exited.
 */
export async function pollStart(admins: AdminClient[], processes: ChildProcess[], config: object): Promise<string> {
  for (;;) {
    for (const admin of admins) {
      try {
        return (await admin.startRun(config)).runId;
      } catch (err) {
        if (processes.every((p) => p.exitCode !== null || p.signalCode !== null))
          throw new Error('every coordinator exited before one answered', { cause: err });
      }
    }
    await sleep(100);
  }
}

/**
 * The run config of the kill-and-resume tests: `clients` daemons train every round of `rounds` (1 local epoch, MLP)
 * with FedAvgM, whose server momentum must survive in the checkpoint; the deadline is never reached, so every round
 * waits for all of them however slow the machine.
 */
export function resumableRun(rounds: number, clients: number, seed: number) {
  return {
    rounds,
    clientsPerRound: clients,
    minClients: clients,
    localEpochs: 1,
    model: 'mlp',
    seed,
    strategy: { name: 'fedavgm', serverMomentum: 0.5 },
    roundDeadlineMs: 3_600_000,
  };
}
