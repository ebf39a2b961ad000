/**
 * The transfer benchmark's second baseline: the same bytes in the same 1 MiB chunks over a bare grpc-js stream with
 * fedsift's channel and server options, and nothing else (no hashing, no assembly, no fold) — the ceiling of grpc-js
 * itself on this machine, so the report can tell grpc-js's cost from fedsift's.
 */
import {
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
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
import { spawnPeer, tcpRoundTrip, type PairedSeconds } from './peers.js';

type Chunk = { data: Buffer };
const proto = loadPackageDefinition(loadSync(fileURLToPath(new URL('./bare-stream.proto', import.meta.url)))) as any;

async function writeChunks(
  write: (c: Chunk) => boolean,
  drained: () => Promise<unknown>,
  payload: Buffer,
): Promise<void> {
  for (let o = 0; o < payload.length; o += MAX_CHUNK_BYTES)
    if (!write({ data: payload.subarray(o, o + MAX_CHUNK_BYTES) })) await drained();
}

/**
 * Peer process body: `repeats` × (raw TCP round trip of `bytes` to the sink at `tcpPort`, then download `bytes` and
 * upload `bytes` over the bare stream); prints the PairedSeconds of each.
 */
export async function bareGrpcPeer(address: string, tcpPort: number, bytes: number, repeats: number): Promise<void> {
  const client = new proto.fedsift.bench.BareStream(
    address,
    credentials.createInsecure(),
    grpcChannelOptions(DEFAULT_TRANSPORT),
  );
  const payload = Buffer.alloc(bytes, 7);
  const pairs: PairedSeconds[] = [];
  for (let r = 0; r < repeats; r++) {
    const tcp = await tcpRoundTrip(tcpPort, payload);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const call = client.Down({});
      call.on('data', () => undefined);
      call.on('end', resolve);
      call.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      const call = client.Up((err: Error | null) => (err ? reject(err) : resolve()));
      void writeChunks(
        (c) => call.write(c),
        () => new Promise((d) => call.once('drain', d)),
        payload,
      ).then(() => call.end());
    });
    pairs.push({ tcp, measured: (performance.now() - started) / 1000 });
  }
  client.close();
  console.log(JSON.stringify(pairs));
}

/** `repeats` down + up transfers of `bytes` between this process and a peer process, each paired with raw TCP. */
export async function bareGrpcSeconds(tcpPort: number, bytes: number, repeats: number): Promise<PairedSeconds[]> {
  const payload = Buffer.alloc(bytes, 7);
  const server = new Server(grpcServerOptions(DEFAULT_TRANSPORT));
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
  try {
    return await spawnPeer<PairedSeconds[]>([
      '--bare-grpc',
      `127.0.0.1:${port}`,
      String(tcpPort),
      String(bytes),
      String(repeats),
    ]);
  } finally {
    server.forceShutdown();
  }
}
