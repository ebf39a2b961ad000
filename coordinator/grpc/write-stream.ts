import { once } from 'node:events';
import type { ServerWritableStream } from '@grpc/grpc-js';

/** What a backpressured write observed. */
export interface WriteStats {
  /** Messages written. */
  messages: number;
  /** Most messages ever queued in the stream's writable buffer right after a write (objectMode counts messages). */
  maxBufferedMessages: number;
  /** The stream's high-water mark (messages); buffered messages never exceed it + 1. */
  highWaterMark: number;
}

/**
 * Writes messages to a gRPC server stream, waiting for 'drain' whenever `write()` returns false, so a slow reader
 * makes the producer wait instead of growing server memory or dropping chunks (BR-03). Stops early, without error,
 * when the call is cancelled.
 * @returns counts for tests and metrics.
 */
export async function writeWithBackpressure<T>(call: ServerWritableStream<unknown, T>, messages: Iterable<T>): Promise<WriteStats> {
  const stats: WriteStats = { messages: 0, maxBufferedMessages: 0, highWaterMark: call.writableHighWaterMark };
  for (const m of messages) {
    if (call.cancelled || call.destroyed) break;
    const ok = call.write(m);
    stats.messages++;
    stats.maxBufferedMessages = Math.max(stats.maxBufferedMessages, call.writableLength);
    if (!ok) {
      const ac = new AbortController();
      await Promise.race([once(call, 'drain', { signal: ac.signal }), once(call, 'cancelled', { signal: ac.signal }), once(call, 'close', { signal: ac.signal })]).catch(() => undefined);
      ac.abort();
    }
  }
  return stats;
}
