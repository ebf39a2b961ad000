import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { roundsStream, roundsSubject, roundsSubjects } from '../../shared/contract/index.js';
import { ConfigError, PayloadTooLargeError } from '../../shared/errors/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { encodeAnnouncement, type RoundBroadcaster } from './broadcaster.js';
import { connectCoordinatorNats, type CoordinatorNats } from './nats-connection.js';

/**
 * Publishes one federation's announcements into its own JetStream stream (`FEDSIFT_ROUNDS_<federation id>`, subjects
 * `fedsift.<federation id>.rounds.>`), which keeps the last few messages per run subject, so a client that connects or
 * reconnects mid-run reads the current round (deliver policy "last per subject"). Coordinators of other federations
 * on the same NATS cluster use other streams and subjects.
 */
export class NatsBroadcaster implements RoundBroadcaster {
  readonly name = 'nats';

  private readonly nc: NatsConnection;

  private constructor(
    private readonly nats: CoordinatorNats,
    private readonly js: JetStreamClient,
    private readonly federationId: string,
  ) {
    this.nc = nats.nc;
  }

  /**
   * Connects (reconnecting forever if the server goes away) and creates or updates the federation's rounds stream.
   * @param federationId a valid federation id (config `federationId`): it names the stream and the subjects.
   * @throws {ServiceUnavailableError} when the server cannot be reached at start-up.
   * @throws {ConfigError} (field `federationId`) when JetStream refuses the stream, e.g. when its subjects overlap
   *         another stream's.
   */
  static async connect(url: string, federationId: string): Promise<NatsBroadcaster> {
    const nats = await connectCoordinatorNats(url, `fedsift-coordinator-${federationId}`);
    const nc = nats.nc;
    const jsm = await jetstreamManager(nc);
    const name = roundsStream(federationId);
    const config = { subjects: [roundsSubjects(federationId)], max_msgs_per_subject: 4, max_age: 24 * 3600 * 1e9 };
    try {
      const exists = await jsm.streams.info(name).then(
        () => true,
        () => false,
      );
      await (exists ? jsm.streams.update(name, config) : jsm.streams.add({ name, ...config }));
    } catch (err) {
      await nc.close();
      throw new ConfigError(
        `JetStream refused the rounds stream ${name} (subjects ${config.subjects[0]}) of federation ` +
          `"${federationId}": ${(err as Error).message}`,
        { cause: err, field: 'federationId' },
      );
    }
    return new NatsBroadcaster(nats, jetstream(nc), federationId);
  }

  /** The server's advertised max_payload (bytes). */
  get maxPayloadBytes(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  async announce(a: RoundAnnouncement): Promise<void> {
    await this.publishRaw(roundsSubject(this.federationId, a.runId), encodeAnnouncement(a));
  }

  /**
   * Publishes bytes after checking them against the server's max_payload, so an oversize message fails here with a
   * typed error instead of making the server close the connection (BR-05).
   * @throws {PayloadTooLargeError}
   */
  async publishRaw(subject: string, payload: Uint8Array): Promise<void> {
    if (payload.byteLength > this.maxPayloadBytes) {
      throw new PayloadTooLargeError(
        `NATS message of ${payload.byteLength} bytes exceeds the server's max_payload of ${this.maxPayloadBytes} bytes`,
      );
    }
    await this.js.publish(subject, payload);
  }

  /** True while the NATS connection is open (not closed for good). */
  get connected(): boolean {
    return !this.nc.isClosed();
  }

  /** Connected now (not closed, not in the middle of a reconnect). */
  healthy(): boolean {
    return !this.nc.isClosed() && !this.nats.reconnecting();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
