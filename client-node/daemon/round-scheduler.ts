import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { attemptKey } from './attempt-tracker.js';
import { refusalReason } from './join-refusals.js';

/** What a daemon does with the announcements it plays (RoundScheduler). None of them is expected to throw. */
export interface RoundPlays {
  /** A FIT attempt this site is selected for (plain or SecAgg+). */
  fit(a: RoundAnnouncement): Promise<void>;
  /** A STATISTICS round this site is selected for. */
  statistics(a: RoundAnnouncement): Promise<void>;
  /** The run ended: its per-run state is released. */
  release(runId: string): Promise<void>;
}

/**
 * Orders a daemon's rounds: the attempts it is selected for play one at a time, in arrival order, each once (a
 * restarted coordinator announces a run's round again under its new id); a run's end releases the run after a round
 * of it still playing. A SecAgg+ attempt starts at once instead: its key stages wait for every selected site, so a
 * site busy with another round's training would hold them all up; its training takes its turn (exclusive).
 */
export class RoundScheduler {
  private readonly seen = new Set<string>();
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly plays: RoundPlays,
    private readonly log: Logger,
  ) {}

  /**
   * Schedules announcement `a` (one the daemon plays: its coordinator's, observed by the AttemptTracker already);
   * ignores a phase or attempt that does not select `clientId`, and an attempt already scheduled.
   */
  schedule(a: RoundAnnouncement, clientId: string): void {
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      for (const key of this.seen) if (key.startsWith(`${a.runId}/`)) this.seen.delete(key);
      this.enqueue(a, () => this.plays.release(a.runId));
      return;
    }
    const statistics = a.phase === 'ROUND_PHASE_STATISTICS';
    if ((a.phase !== 'ROUND_PHASE_FIT' && !statistics) || !a.selectedClientIds.includes(clientId)) return;
    const key = attemptKey(a);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (!statistics && a.fit.secureAggregation) void this.plays.fit(a).catch((err) => this.failed(a, err));
    else this.enqueue(a, () => (statistics ? this.plays.statistics(a) : this.plays.fit(a)));
  }

  /**
   * Runs `work` once the work scheduled before it is done; work scheduled later waits for it. Only for work outside
   * the queue (a SecAgg+ attempt's training): queued work calling it would wait for itself.
   * @returns what `work` returns; @throws what it throws (the queue goes on either way).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const done = this.tail.then(work);
    this.tail = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  private enqueue(a: RoundAnnouncement, work: () => Promise<void>): void {
    this.exclusive(work).catch((err) => this.failed(a, err));
  }

  /** A play that threw, which none should: logged, and the daemon goes on with its next round. */
  private failed(a: RoundAnnouncement, err: unknown): void {
    const { runId: run, round, attempt } = a;
    this.log.error({ run, round, attempt, reason: refusalReason(err) }, 'round play failed unexpectedly');
  }
}
