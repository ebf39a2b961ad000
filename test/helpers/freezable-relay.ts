import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 that can freeze: after freeze() it passes no byte on in either direction, on the
 * connections it holds and on new ones, which it accepts and leaves waiting; nothing is closed. To the process that
 * connects through it, the service behind it has fallen silent, as behind a network partition — its statements hang
 * instead of failing. For tests that cut a live coordinator off from PostgreSQL without killing it.
 */
export class FreezableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private frozen = false;

  /** Listens on a free loopback port, relaying each connection to host:port; @returns the relay's port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((client) => this.relay(client, host, port));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops passing bytes on, for good: what arrives from now on goes unanswered. */
  freeze(): void {
    this.frozen = true;
    for (const s of this.sockets) s.pause();
  }

  /** Destroys every relayed socket (their peers see the connection reset) and stops listening. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private relay(client: Socket, host: string, port: number): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.frozen) {
      client.pause();
      return;
    }
    const upstream = connect(port, host);
    this.sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      end();
    });
    client.on('close', end);
    upstream.on('error', end);
    // Small statements and answers only: no backpressure. A chunk that arrives once frozen is dropped — never passed on.
    client.on('data', (chunk: Buffer) => this.frozen || upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => this.frozen || client.write(chunk));
  }
}
