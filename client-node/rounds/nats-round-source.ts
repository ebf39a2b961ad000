import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../shared/logging/index.js';
import { roundsStream, roundsSubjects } from '../../shared/contract/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { backoffDelay, type RoundSource } from './round-source.js';

/**
 * Announcements of one federation from NATS JetStream: an ordered consumer of its stream `FEDSIFT_ROUNDS_<federation
 * id>` on `fedsift.<federation id>.rounds.>`, starting at the last message of every run subject, so a client that
 * connects or reconnects mid-run hears the current round. Other federations on the same NATS cluster are not heard.
 * Reconnects forever; when the stream does not exist yet (its coordinator has not started) it retries with backoff.
 */
export class NatsRoundSource implements RoundSource {
  readonly name = 'nats';
  private closed = false;
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;

  /** @param federationId the coordinator's federation (from its JoinResponse), a valid federation id. */
  constructor(
    private readonly url: string,
    private readonly federationId: string,
    private readonly backoff: { initialMs: number; maxMs: number },
    private readonly logger: Logger,
  ) {}

  start(onAnnouncement: (a: RoundAnnouncement) => void): void {
    void this.loop(onAnnouncement);
  }

  private async loop(onAnnouncement: (a: RoundAnnouncement) => void): Promise<void> {
    for (let failures = 0; !this.closed;) {
      try {
        if (!this.nc) {
          this.nc = await connect({
            servers: this.url,
            name: 'fedsift-client',
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
          });
          void this.logStatus(this.nc);
        }
        const stream = roundsStream(this.federationId);
        const consumer = await jetstream(this.nc).consumers.get(stream, {
          filter_subjects: roundsSubjects(this.federationId),
          deliver_policy: DeliverPolicy.LastPerSubject,
        });
        this.messages = await consumer.consume();
        this.logger.info({ url: this.url, federation: this.federationId, stream }, 'listening for rounds on NATS');
        failures = 0;
        for await (const m of this.messages) onAnnouncement(m.json<RoundAnnouncement>());
      } catch (err) {
        if (this.closed) return;
        const delay = backoffDelay(failures++, this.backoff.initialMs, this.backoff.maxMs);
        this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'NATS round subscription failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** Logs the connection's disconnects and reconnects (operators see a NATS outage on each site). */
  private async logStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') this.logger.info({ natsStatus: s.type }, `NATS ${s.type}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close();
    await this.nc?.close();
  }
}
