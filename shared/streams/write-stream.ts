import { once, type EventEmitter } from 'node:events';

/** A gRPC call's writable side (server or client stream): object-mode writes with Node backpressure. */
export interface MessageSink<T> extends EventEmitter {
  write(message: T): boolean;
  readonly destroyed: boolean;
  /** Server calls only: the client cancelled. */
  readonly cancelled?: boolean;
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
}

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
 * Writes messages to a gRPC stream, waiting for 'drain' whenever `write()` returns false, so a slow reader makes the
 * producer wait instead of growing memory or dropping chunks (BR-03). Stops early, without error, when the call is
 * cancelled, closed or failed (the call reports that itself).
 * @returns counts for tests and metrics.
 */
export async function writeWithBackpressure<T>(call: MessageSink<T>, messages: Iterable<T>): Promise<WriteStats> {
  const stats: WriteStats = { messages: 0, maxBufferedMessages: 0, highWaterMark: call.writableHighWaterMark };
  for (const m of messages) {
    if (call.cancelled || call.destroyed) break;
    const ok = call.write(m);
    stats.messages++;
    stats.maxBufferedMessages = Math.max(stats.maxBufferedMessages, call.writableLength);
    if (!ok) {
      const ac = new AbortController();
      const until = (event: string) => once(call, event, { signal: ac.signal });
      await Promise.race([until('drain'), until('cancelled'), until('close'), until('error')]).catch(() => undefined);
      ac.abort();
    }
  }
  return stats;
}
