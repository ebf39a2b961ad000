import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the `fedsift` entry point. */
export const FEDSIFT_BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));

/** How to start one `fedsift client` process holding a Dirichlet share of the bundled MNIST training digits. */
export interface ClientProcessOptions {
  address: string;
  siteId: string;
  numPartitions: number;
  partitionIndex: number;
  alpha: number;
  partitionSeed: number;
  natsUrl?: string;
  /** pino level of the child's logs (stderr). */
  logLevel: string;
  /** 'inherit' shows the child's logs; 'pipe' lets the caller read them. */
  stderr: 'inherit' | 'pipe';
  /** More `fedsift client` flags, e.g. ['--attack', 'signflip:10']. */
  extraArgs?: string[];
}

/** Spawns a real client daemon process (`fedsift client …`). */
export function spawnClientProcess(o: ClientProcessOptions): ChildProcess {
  const args = [
    FEDSIFT_BIN,
    'client',
    '--site-id',
    o.siteId,
    '--coordinator',
    o.address,
    '--data',
    'mnist',
    '--insecure',
  ];
  args.push('--num-partitions', String(o.numPartitions), '--partition-index', String(o.partitionIndex));
  args.push('--alpha', String(o.alpha), '--partition-seed', String(o.partitionSeed));
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
