import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { CoordinatorLink } from '../link/index.js';
import { backoffDelay, type RoundSource } from './round-source.js';

/**
 * Announcements from the coordinator's WatchRounds server stream. When the stream ends or fails (coordinator
 * restart, network loss) it calls `beforeReconnect` with the stream's error (the daemon re-joins, or stops when the
 * error says another daemon took its site over) and opens a new one, with backoff.
 */
export class GrpcRoundSource implements RoundSource {
  readonly name = 'grpc-stream';
  private closed = false;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly link: CoordinatorLink,
    private readonly clientId: () => string,
    private readonly beforeReconnect: (cause: Error | undefined) => Promise<void>,
    private readonly backoff: { initialMs: number; maxMs: number },
    private readonly logger: Logger,
  ) {}

  start(onAnnouncement: (a: RoundAnnouncement) => void): void {
    void this.loop(onAnnouncement);
  }

  private async loop(onAnnouncement: (a: RoundAnnouncement) => void): Promise<void> {
    for (let failures = 0; !this.closed;) {
      const call = this.link.watchRounds(this.clientId());
      this.cancel = () => call.cancel();
      const ended = new Promise<Error | undefined>((resolve) => {
        call.on('data', (a: RoundAnnouncement) => {
          failures = 0;
          onAnnouncement(a);
        });
        call.on('error', (err: Error) => resolve(err));
        call.on('end', () => resolve(undefined));
      });
      const cause = await ended;
      if (this.closed) return;
      const delay = backoffDelay(failures++, this.backoff.initialMs, this.backoff.maxMs);
      this.logger.warn(
        { why: cause?.message ?? 'stream ended', retryInMs: delay },
        'WatchRounds stream lost; reconnecting',
      );
      await sleep(delay);
      await this.beforeReconnect(cause).catch((err: Error) =>
        this.logger.debug({ err: err.message }, 're-join failed'),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancel?.();
  }
}
