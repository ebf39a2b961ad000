import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback TCP port (for a server that must come back on the same port after a restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts TCP connections. @throws after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => (c.end(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Path of the nats-server binary (.ci/run installs Debian's package). */
const NATS_SERVER = process.env.FEDSIFT_NATS_SERVER ?? '/usr/sbin/nats-server';

/**
 * A private nats-server with JetStream on `port`, storing in `storeDir` — for tests that stop and restart NATS; the
 * machine's shared server on 4222 is never touched. Resolves once it accepts connections.
 */
export async function startPrivateNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
  await waitForPort(port);
  return child;
}
