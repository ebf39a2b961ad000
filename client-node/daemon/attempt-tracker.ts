import type { RoundAnnouncement } from '../../shared/proto/index.js';

/**
 * The newest announced attempt of each run's current round, as a daemon hears them, so an update trained for an
 * attempt that closed meanwhile (a slow site) can still be submitted to a later attempt of the same round: every
 * attempt of a round trains from the same global model. Also remembers which attempts such an update already
 * answered, so the daemon does not train again for them.
 */
export class AttemptTracker {
  private readonly newest = new Map<string, RoundAnnouncement>();
  private readonly answered = new Set<string>();
  private readonly waiters = new Set<() => void>();

  /** Takes every announcement the daemon hears (any phase); wakes those waiting for a newer attempt. */
  observe(a: RoundAnnouncement): void {
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      this.newest.delete(a.runId);
      for (const key of this.answered) if (key.startsWith(`${a.runId}/`)) this.answered.delete(key);
    } else if (a.phase === 'ROUND_PHASE_FIT') {
      const known = this.newest.get(a.runId);
      if (!known || a.round > known.round || (a.round === known.round && a.attempt >= known.attempt)) {
        this.newest.set(a.runId, a);
      }
    }
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Where an update trained for `trained` goes now: the newest announced attempt of the same round, or undefined
   * when the run ended or moved to another round (the update is then worth nothing).
   */
  current(trained: RoundAnnouncement): RoundAnnouncement | undefined {
    const a = this.newest.get(trained.runId);
    return a && a.round === trained.round && a.attempt >= trained.attempt ? a : undefined;
  }

  /**
   * Waits until an announcement newer than `than` arrives for its run (another attempt or round, or the run's end),
   * at most `timeoutMs`. @returns false when none came in time.
   */
  newer(than: RoundAnnouncement, timeoutMs: number): Promise<boolean> {
    const isNewer = () => {
      const a = this.newest.get(than.runId);
      return !a || a.round !== than.round || a.attempt > than.attempt;
    };
    if (isNewer()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve(result);
      };
      const wake = () => isNewer() && done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
    });
  }

  /** Records that an update trained for an earlier attempt answered attempt `a`. */
  markAnswered(a: RoundAnnouncement): void {
    this.answered.add(attemptKey(a));
  }

  /**
   * True when playing `a` would train for nothing: an update trained for an earlier attempt already answered it, or
   * a newer attempt or round of its run was announced since (the daemon plays that one, if selected).
   */
  isSuperseded(a: RoundAnnouncement): boolean {
    const newest = this.newest.get(a.runId);
    const newer =
      newest !== undefined && (newest.round > a.round || (newest.round === a.round && newest.attempt > a.attempt));
    return newer || this.answered.has(attemptKey(a));
  }
}

/** Identity of one announced attempt (a restarted coordinator announces again under its new id). */
export function attemptKey(a: RoundAnnouncement): string {
  return `${a.runId}/${a.round}/${a.attempt}/${a.coordinatorId}`;
}
