import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the `fedsift` entry point. */
export const FEDSIFT_BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));

/** How to start one `fedsift client` process. */
export interface ClientProcessOptions {
  address: string;
  siteId: string;
  /** Its data flags: `--data …` and their options (mnistShare for a share of the bundled digits). */
  data: string[];
  natsUrl?: string;
  /** pino level of the child's logs (stderr). */
  logLevel: string;
  /** 'inherit' shows the child's logs; 'pipe' lets the caller read them. */
  stderr: 'inherit' | 'pipe';
  /** More `fedsift client` flags, e.g. ['--attack', 'signflip:10']. */
  extraArgs?: string[];
}

/**
 * Data flags of a site holding share `index` of `numPartitions` Dirichlet(α) shares of the bundled MNIST training
 * digits, cut with `seed`.
 */
export function mnistShare(numPartitions: number, index: number, alpha: number, seed: number): string[] {
  return [
    '--data',
    'mnist',
    '--num-partitions',
    String(numPartitions),
    '--partition-index',
    String(index),
    '--alpha',
    String(alpha),
    '--partition-seed',
    String(seed),
  ];
}

/** Spawns a real client daemon process (`fedsift client …`). */
export function spawnClientProcess(o: ClientProcessOptions): ChildProcess {
  const args = [FEDSIFT_BIN, 'client', '--site-id', o.siteId, '--coordinator', o.address, '--insecure', ...o.data];
  if (o.natsUrl) args.push('--nats-url', o.natsUrl);
  args.push(...(o.extraArgs ?? []));
  return spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', o.stderr],
    env: { ...process.env, FEDSIFT_LOG_LEVEL: o.logLevel },
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
