/**
 * The transfer benchmark's baseline: the same bytes in the same 1 MiB chunks over a bare grpc-js stream with
 * fedsift's channel and server options (size limits, keepalive, the raised HTTP/2 window), and nothing else (no
 * hashing, no assembly, no checks, no fold) — the ceiling of grpc-js itself on this machine, so the report can tell
 * grpc-js's cost from fedsift's.
 */
import {
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type Client,
  type ServerInterceptor,
  type ServerWritableStream,
  type ServerReadableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT, grpcChannelOptions, grpcServerOptions } from '../../shared/config/index.js';
import { raiseReceiveWindow } from '../../coordinator/grpc/index.js';
import { createLogger } from '../../shared/logging/index.js';

type Chunk = { data: Buffer };
const proto = loadPackageDefinition(loadSync(fileURLToPath(new URL('./bare-stream.proto', import.meta.url)))) as any;

/** gRPC paths of the bare download and upload (for TransferCpu). */
export const BARE_DOWN = '/fedsift.bench.BareStream/Down';
export const BARE_UP = '/fedsift.bench.BareStream/Up';

async function writeChunks(
  write: (c: Chunk) => boolean,
  drained: () => Promise<unknown>,
  payload: Buffer,
): Promise<void> {
  for (let o = 0; o < payload.length; o += MAX_CHUNK_BYTES)
    if (!write({ data: payload.subarray(o, o + MAX_CHUNK_BYTES) })) await drained();
}

/**
 * A bare stream server on a free loopback port: Down streams `bytes` bytes in 1 MiB chunks, Up reads and drops what
 * it is sent. @param interceptors grpc-js server interceptors (the benchmark's CPU meter).
 */
export async function startBareServer(
  bytes: number,
  interceptors: ServerInterceptor[] = [],
): Promise<{ address: string; close: () => void }> {
  const payload = Buffer.alloc(bytes, 7);
  const server = new Server({ ...grpcServerOptions(DEFAULT_TRANSPORT), interceptors });
  server.addService(proto.fedsift.bench.BareStream.service, {
    Down: (call: ServerWritableStream<Chunk, Chunk>) =>
      void writeChunks(
        (c) => call.write(c),
        () => new Promise((d) => call.once('drain', d)),
        payload,
      ).then(() => call.end()),
    Up: (call: ServerReadableStream<Chunk, Chunk>, cb: sendUnaryData<Chunk>) => {
      call.on('data', () => undefined);
      call.on('end', () => cb(null, { data: Buffer.alloc(0) }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  raiseReceiveWindow(server, DEFAULT_TRANSPORT.flowControlWindowBytes, createLogger({ name: 'bench', level: 'warn' }));
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

/** A client of a bare stream server: `roundTrip` downloads what Down sends, then uploads `payload`; resolves in seconds. */
export function bareClient(address: string): { roundTrip: (payload: Buffer) => Promise<number>; close: () => void } {
  const client = new proto.fedsift.bench.BareStream(
    address,
    credentials.createInsecure(),
    grpcChannelOptions(DEFAULT_TRANSPORT),
  ) as Client & Record<string, (...args: unknown[]) => any>;
  const roundTrip = async (payload: Buffer) => {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const call = client.Down!({});
      call.on('data', () => undefined);
      call.on('end', resolve);
      call.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      const call = client.Up!((err: Error | null) => (err ? reject(err) : resolve()));
      void writeChunks(
        (c) => call.write(c),
        () => new Promise((d) => call.once('drain', d)),
        payload,
      ).then(() => call.end());
    });
    return (performance.now() - started) / 1000;
  };
  return { roundTrip, close: () => client.close() };
}
