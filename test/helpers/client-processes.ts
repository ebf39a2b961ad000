import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEDSIFT_BIN, mnistShare, spawnClientProcess } from '../../coordinator/lab/federation/index.js';

/** A client daemon started as a real process, with its stderr (JSON log lines) collected. */
export interface ClientProcess {
  child: ChildProcess;
  /** The site id it joins as (its client id is derived from it). */
  siteId: string;
  readonly stderr: () => string;
}

/** The JSON log lines of a daemon's stderr whose message is `msg`, parsed. */
export function logLines(stderr: string, msg: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

/** Site id of the test client `index` of this test process (the same for the clients of two coordinators). */
export const testSiteId = (index: number): string => `test-site-${index}-${process.pid}`;

/** Spawns `fedsift client` for a test site (testSiteId) holding its Dirichlet(0.5) share of the MNIST training digits. */
export function spawnClient(
  address: string,
  index: number,
  numPartitions: number,
  natsUrl?: string,
  extraArgs: string[] = [],
  logLevel: 'info' | 'debug' = 'info',
): ClientProcess {
  return spawnSite(address, testSiteId(index), mnistShare(numPartitions, index, 0.5, 1), extraArgs, natsUrl, logLevel);
}

/** Spawns `fedsift client` for site `siteId` with the data flags `data` (e.g. `['--data', 'csv:…', '--schema', …]`). */
export function spawnSite(
  address: string,
  siteId: string,
  data: string[],
  extraArgs: string[] = [],
  natsUrl?: string,
  logLevel: 'info' | 'debug' = 'info',
): ClientProcess {
  const child = spawnClientProcess({ address, siteId, data, natsUrl, logLevel, stderr: 'pipe', extraArgs });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, siteId, stderr: () => err };
}

/** Runs `fedsift <args>` to completion and returns its exit code and output. */
export function runFedsift(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Tests talk to loopback coordinators in plain text unless `env` says otherwise.
    const child = spawn(process.execPath, [FEDSIFT_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FEDSIFT_INSECURE: '1', ...env },
    });
    let stdout = '',
      stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The collected stderr of each client process, by site id. */
export function clientLogs(clients: ClientProcess[]): Record<string, string> {
  return Object.fromEntries(clients.map((c) => [c.siteId, c.stderr()]));
}

/** Writes each named log to `<name>.log` in a new temporary folder (for a failed test to point at). @returns the folder. */
export function saveLogs(logs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-test-logs-'));
  for (const [name, text] of Object.entries(logs)) writeFileSync(join(dir, `${name}.log`), text);
  return dir;
}
