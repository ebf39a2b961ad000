import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A loopback TCP relay to a server, which a test can cut to play a partition or the server going away. */
export interface TcpRelay {
  /** The relay's loopback port. */
  port: number;
  /** Stops accepting and destroys every relayed connection; resolves once the listening socket is closed. */
  cut(): Promise<void>;
}

/** Relays every connection to 127.0.0.1:`port` on to `host`:`targetPort`, byte for byte. Cut it in `after`. */
export function startTcpRelay(host: string, targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
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
      }),
    );
  });
}
