import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** HTTP/2 DATA frame type (RFC 9113 §6.1). */
export const H2_DATA = 0x0;
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
  /** Payload length (bytes). */
  length: number;
  /** The payload of PING and GOAWAY frames (opaque data; error code and debug data); empty for other types. */
  payload: Buffer;
}

/** The client connection preface (RFC 9113 §3.4), sent before the client's first frame. */
const CLIENT_PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;

/** A frame as the relay parsed it, without its connection and sender. */
type Frame = Omit<SeenFrame, 'connection' | 'from'>;

/**
 * Splits one direction of a plain-text HTTP/2 connection into frames: after the optional 24-byte preface, each frame
 * is a 9-byte header (24-bit length, 8-bit type, 8-bit flags, 1 reserved bit + 31-bit stream id) and its payload.
 * Hands on each complete frame (and the preface) with its bytes, so the relay forwards whole frames only.
 */
class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft: number;

  constructor(hasPreface: boolean) {
    this.prefaceLeft = hasPreface ? CLIENT_PREFACE_BYTES : 0;
  }

  /** @returns the complete units `chunk` finished, in order: their bytes, and the parsed frame (none for the preface). */
  push(chunk: Buffer): { bytes: Buffer; frame?: Frame }[] {
    const units: { bytes: Buffer; frame?: Frame }[] = [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.prefaceLeft > 0) {
      const take = Math.min(this.prefaceLeft, this.pending.length);
      this.prefaceLeft -= take;
      units.push({ bytes: this.pending.subarray(0, take) });
      this.pending = this.pending.subarray(take);
    }
    while (this.pending.length >= FRAME_HEADER_BYTES) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < FRAME_HEADER_BYTES + length) break;
      const type = this.pending[3]!;
      const keep = type === H2_PING || type === H2_GOAWAY;
      const bytes = this.pending.subarray(0, FRAME_HEADER_BYTES + length);
      const payload = keep ? Buffer.from(bytes.subarray(FRAME_HEADER_BYTES)) : Buffer.alloc(0);
      const streamId = this.pending.readUInt32BE(5) & 0x7fff_ffff;
      units.push({ bytes, frame: { type, flags: this.pending[4]!, streamId, length, payload } });
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + length);
    }
    return units;
  }
}

/**
 * A TCP relay on 127.0.0.1 that passes a plain-text HTTP/2 (h2c) connection through unchanged, whole frames at a time,
 * and records the frames in both directions, to observe what gRPC puts on the wire (keepalive PINGs, their ACKs,
 * GOAWAY); it can also cut a connection in the middle of a client's stream (cutStreamAfter). Test-only: no TLS.
 */
export class Http2FrameRelay {
  /** Every frame seen so far, in arrival order per direction. */
  readonly frames: SeenFrame[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private accepted = 0;
  private closedConnections = 0;
  /** Armed by cutStreamAfter: the client DATA bytes of one stream past which its connection is cut. */
  private cutAfterBytes: number | undefined;
  private cutsDone = 0;

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

  /** Connections cut by cutStreamAfter so far. */
  get cuts(): number {
    return this.cutsDone;
  }

  /**
   * Cuts the next client stream (e.g. an upload) that sends more than `bytes` of DATA: its TCP connection is destroyed
   * on both sides before the frame that crosses `bytes` is passed on, so the server has seen part of the stream only.
   * Once: later streams pass. Unary calls send far less than a model's bytes, so a threshold of some KiB picks the
   * first upload.
   */
  cutStreamAfter(bytes: number): void {
    this.cutAfterBytes = bytes;
  }

  /** Every client stream that sent DATA, with its DATA bytes, in order of its first DATA frame. */
  clientStreams(): { connection: number; streamId: number; dataBytes: number }[] {
    const streams = new Map<string, { connection: number; streamId: number; dataBytes: number }>();
    for (const { connection, streamId, length } of this.framesOf(H2_DATA, 'client')) {
      const key = `${connection}/${streamId}`;
      const stream = streams.get(key) ?? { connection, streamId, dataBytes: 0 };
      stream.dataBytes += length;
      streams.set(key, stream);
    }
    return [...streams.values()];
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
    const streamBytes = new Map<number, number>(); // client DATA bytes per stream id
    const cutHere = (frame: Frame) => {
      if (this.cutAfterBytes === undefined || frame.type !== H2_DATA) return false;
      const sent = (streamBytes.get(frame.streamId) ?? 0) + frame.length;
      streamBytes.set(frame.streamId, sent);
      return sent > this.cutAfterBytes;
    };
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
    /** Passes `from`'s frames on to `to`, recording them, pausing `from` while `to` is full. */
    const forward = (from: Socket, to: Socket, sender: SeenFrame['from']) => {
      const splitter = new FrameSplitter(sender === 'client');
      from.on('data', (chunk: Buffer) => {
        for (const { bytes, frame } of splitter.push(chunk)) {
          if (ended) return;
          if (frame) this.frames.push({ connection, from: sender, ...frame });
          if (frame && sender === 'client' && cutHere(frame)) {
            this.cutAfterBytes = undefined;
            this.cutsDone++;
            return end();
          }
          if (!to.write(bytes)) {
            from.pause();
            to.once('drain', () => from.resume());
          }
        }
      });
    };
    forward(client, upstream, 'client');
    forward(upstream, client, 'server');
  }
}
