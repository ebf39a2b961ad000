/**
 * The transfer benchmark's third baseline: the same bytes in the same 1 MiB messages with gRPC's length-prefixed
 * framing, over Node's own HTTP/2 (no grpc-js), with the same 8 MiB flow-control window. The receiver copies each
 * message body straight into one reused buffer, as a model download must; nothing is hashed or checked. It tells how
 * much of the gap to raw TCP is HTTP/2 itself and how much is grpc-js on top of it.
 */
import { connect, createServer, type ClientHttp2Stream, type ServerHttp2Stream } from 'node:http2';
import type { Writable } from 'node:stream';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { spawnPeer, tcpRoundTrip, type PairedSeconds } from './peers.js';

const WINDOW = DEFAULT_TRANSPORT.flowControlWindowBytes;
const settings = { initialWindowSize: WINDOW };

/** Writes `payload` as gRPC messages (5-byte prefix + ≤ 1 MiB body, no copy of the body), honouring backpressure. */
async function writeFramed(w: Writable, payload: Buffer): Promise<void> {
  for (let o = 0; o < payload.length; o += MAX_CHUNK_BYTES) {
    const body = payload.subarray(o, o + MAX_CHUNK_BYTES);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(body.length, 1);
    w.cork();
    w.write(prefix);
    const ok = w.write(body);
    w.uncork();
    if (!ok) await new Promise((r) => w.once('drain', r));
  }
  w.end();
}

/** A reader of gRPC-framed bytes that copies every message body, in order, into `into` from its start. */
function framedReader(into: Buffer): (data: Buffer) => void {
  const prefix = Buffer.alloc(5);
  let prefixBytes = 0,
    bodyLeft = 0,
    at = 0;
  return (data) => {
    for (let i = 0; i < data.length;) {
      if (bodyLeft === 0) {
        const n = Math.min(5 - prefixBytes, data.length - i);
        data.copy(prefix, prefixBytes, i, i + n);
        prefixBytes += n;
        i += n;
        if (prefixBytes === 5) ((bodyLeft = prefix.readUInt32BE(1)), (prefixBytes = 0));
      } else {
        const n = Math.min(bodyLeft, data.length - i);
        data.copy(into, at, i, i + n);
        ((at += n), (bodyLeft -= n), (i += n));
      }
    }
  };
}

/**
 * Peer process body: `repeats` × (raw TCP round trip of `bytes` to the sink at `tcpPort`, then download `bytes` and
 * upload `bytes` over HTTP/2 at `port`); prints the PairedSeconds of each.
 */
export async function bareHttp2Peer(port: number, tcpPort: number, bytes: number, repeats: number): Promise<void> {
  const payload = Buffer.alloc(bytes, 7);
  const into = Buffer.alloc(bytes);
  const session = connect(`http://127.0.0.1:${port}`, { settings });
  await new Promise((r) => session.once('connect', r));
  session.setLocalWindowSize(WINDOW);
  const finished = (s: ClientHttp2Stream) => new Promise((r) => (s.on('end', r), s.resume()));
  const pairs: PairedSeconds[] = [];
  for (let r = 0; r < repeats; r++) {
    const tcp = await tcpRoundTrip(tcpPort, payload);
    const started = performance.now();
    const down = session.request({ ':path': '/down' });
    down.on('data', framedReader(into));
    await finished(down);
    const up = session.request({ ':path': '/up', ':method': 'POST' });
    void writeFramed(up, payload);
    await finished(up);
    pairs.push({ tcp, measured: (performance.now() - started) / 1000 });
  }
  session.close();
  console.log(JSON.stringify(pairs));
}

/** `repeats` down + up transfers of `bytes` between this process and a peer process over bare HTTP/2, each paired with raw TCP. */
export async function bareHttp2Seconds(tcpPort: number, bytes: number, repeats: number): Promise<PairedSeconds[]> {
  const payload = Buffer.alloc(bytes, 7);
  const into = Buffer.alloc(bytes);
  const server = createServer({ settings });
  server.on('session', (s) => s.setLocalWindowSize(WINDOW));
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.respond({ ':status': 200 });
    if (headers[':path'] === '/down') return void writeFramed(stream, payload);
    stream.on('data', framedReader(into));
    stream.on('end', () => stream.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await spawnPeer<PairedSeconds[]>([
      '--bare-http2',
      String((server.address() as { port: number }).port),
      String(tcpPort),
      String(bytes),
      String(repeats),
    ]);
  } finally {
    server.close();
  }
}
