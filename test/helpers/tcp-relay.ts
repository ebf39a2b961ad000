import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A loopback TCP relay to a server, which a test can cut or freeze to play a partition or the server going away. */
export interface TcpRelay {
  /** The relay's loopback port. */
  port: number;
  /** Stops accepting and destroys every relayed connection; resolves once the listening socket is closed. */
  cut(): Promise<void>;
  /**
   * Stops passing bytes on, for good, in both directions, on the connections it holds and on new ones (accepted and
   * left waiting); nothing is closed. To the process behind the relay, the server has fallen silent, as behind a
   * network partition: its statements hang instead of failing. cut() still ends it all.
   */
  freeze(): void;
}

/** Relays every connection to 127.0.0.1:`port` on to `host`:`targetPort`, byte for byte. Cut it in `after`. */
export function startTcpRelay(host: string, targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  /** Small messages only (PostgreSQL statements and answers): no backpressure. Once frozen, a chunk is dropped. */
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => frozen || to.write(chunk));
    from.on('close', () => to.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return void client.pause();
    const upstream = connect(targetPort, host);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        cut: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
        freeze: () => {
          frozen = true;
          for (const s of sockets) s.pause();
        },
      }),
    );
  });
}
