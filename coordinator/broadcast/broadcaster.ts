import type { RoundAnnouncement } from '../../shared/proto/index.js';

/**
 * Delivers round announcements to every client. Implementations: NATS JetStream (late joiners read the last message
 * of each run's subject) and the WatchRounds gRPC stream (a new watcher first gets the current announcement of every
 * active run). Announcements are metadata only — never weights (BR-05).
 */
export interface RoundBroadcaster {
  /** Short name for logs and readiness (`nats`, `grpc-stream`). */
  readonly name: string;
  /**
   * Publishes one announcement. @throws {PayloadTooLargeError} when the encoded announcement exceeds the
   * transport's limit; the transport stays usable.
   */
  announce(announcement: RoundAnnouncement): Promise<void>;
  /** True when announcements can currently be delivered (readiness). */
  healthy(): boolean;
  /** Releases connections; announce must not be called afterwards. */
  close(): Promise<void>;
}

/** Encodes an announcement as the JSON carried on NATS (same field names as the proto's JSON mapping). */
export function encodeAnnouncement(a: RoundAnnouncement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(a));
}
