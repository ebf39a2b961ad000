import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A loopback TCP relay to a server, which a test can cut or freeze to play a partition or the server going away. */
export interface TcpRelay {
  /** The relay's loopback port. */
  port: number;
  /** Stops accepting and destroys every relayed connection; resolves once the listening socket is closed. */
  cut(): Promise<void>;
  /**
   * Stops passing bytes on, in both directions, on the connections it holds and on new ones (accepted, connected on,
   * and left waiting); nothing is closed and nothing is lost: what arrives meanwhile is held. To the process behind
   * the relay, the server has fallen silent, as behind a network partition: its statements hang instead of failing.
   */
  freeze(): void;
  /** Ends a freeze: what was held is passed on, in order, and bytes flow again — the partition healed. */
  thaw(): void;
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
  /** Bytes held while frozen, per direction, passed on in order by thaw(). */
  const held: { to: Socket; chunks: Buffer[] }[] = [];
  /** Small messages only (PostgreSQL statements and answers): no backpressure. */
  const forward = (from: Socket, to: Socket): void => {
    const queue = { to, chunks: [] as Buffer[] };
    held.push(queue);
    from.on('data', (chunk: Buffer) => (frozen ? queue.chunks.push(chunk) : to.write(chunk)));
    from.on('close', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    track(client);
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
        },
        thaw: () => {
          frozen = false;
          for (const q of held) for (const chunk of q.chunks.splice(0)) q.to.write(chunk);
        },
      }),
    );
  });
}
