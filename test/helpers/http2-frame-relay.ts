import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** HTTP/2 PING frame type (RFC 9113 §6.7); the relay keeps its 8 bytes of opaque data. */
export const H2_PING = 0x6;
/** HTTP/2 GOAWAY frame type (RFC 9113 §6.8); the relay keeps its payload (last stream id, error code, debug data). */
export const H2_GOAWAY = 0x7;
/** The ACK flag of a PING frame. */
export const H2_FLAG_ACK = 0x1;

/** One HTTP/2 frame seen by the relay. */
export interface SeenFrame {
  /** Relay connection number, 0-based, in accept order (one per client TCP connection). */
  connection: number;
  /** Who sent it. */
  from: 'client' | 'server';
  type: number;
  flags: number;
  streamId: number;
  /** The payload of PING and GOAWAY frames (opaque data; error code and debug data); empty for other types. */
  payload: Buffer;
}

/** The client connection preface (RFC 9113 §3.4), sent before the client's first frame. */
const CLIENT_PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;

/**
 * Splits one direction of a plain-text HTTP/2 connection into frames: after the optional 24-byte preface, each frame
 * is a 9-byte header (24-bit length, 8-bit type, 8-bit flags, 1 reserved bit + 31-bit stream id) and its payload.
 */
class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft: number;

  constructor(
    hasPreface: boolean,
    private readonly onFrame: (type: number, flags: number, streamId: number, payload: Buffer) => void,
  ) {
    this.prefaceLeft = hasPreface ? CLIENT_PREFACE_BYTES : 0;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.prefaceLeft > 0) {
      const skip = Math.min(this.prefaceLeft, this.pending.length);
      this.prefaceLeft -= skip;
      this.pending = this.pending.subarray(skip);
    }
    while (this.pending.length >= FRAME_HEADER_BYTES) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < FRAME_HEADER_BYTES + length) break;
      const type = this.pending[3]!;
      const keep = type === H2_PING || type === H2_GOAWAY;
      this.onFrame(
        type,
        this.pending[4]!,
        this.pending.readUInt32BE(5) & 0x7fff_ffff,
        keep ? Buffer.from(this.pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)) : Buffer.alloc(0),
      );
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + length);
    }
  }
}

/**
 * A TCP relay on 127.0.0.1 that passes a plain-text HTTP/2 (h2c) connection through unchanged and records the frames
 * in both directions, to observe what gRPC puts on the wire (keepalive PINGs, their ACKs, GOAWAY). Test-only: no TLS.
 */
export class Http2FrameRelay {
  /** Every frame seen so far, in arrival order per direction. */
  readonly frames: SeenFrame[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private accepted = 0;
  private closedConnections = 0;

  /** Client TCP connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  /** Client TCP connections that have ended (either side closed, or an error). */
  get closed(): number {
    return this.closedConnections;
  }

  /** Listens on a free loopback port, relaying each connection to `target` (host:port); @returns the relay's host:port. */
  async listen(target: string): Promise<string> {
    const sep = target.lastIndexOf(':');
    const host = target.slice(0, sep);
    const port = Number(target.slice(sep + 1));
    const server = createServer((client) => this.relay(client, host, port));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Frames of one type (and, with `from`, one sender). */
  framesOf(type: number, from?: SeenFrame['from']): SeenFrame[] {
    return this.frames.filter((f) => f.type === type && (from === undefined || f.from === from));
  }

  /** Destroys every relayed socket and stops listening. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private relay(client: Socket, host: string, port: number): void {
    const connection = this.accepted++;
    const upstream = connect(port, host);
    const record = (from: SeenFrame['from']) => (type: number, flags: number, streamId: number, payload: Buffer) =>
      this.frames.push({ connection, from, type, flags, streamId, payload });
    const fromClient = new FrameSplitter(true, record('client'));
    const fromServer = new FrameSplitter(false, record('server'));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.closedConnections++;
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => {
        this.sockets.delete(s);
        end();
      });
      s.on('error', end);
    }
    client.on('data', (chunk: Buffer) => fromClient.push(chunk));
    upstream.on('data', (chunk: Buffer) => fromServer.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
