import type { RoundAnnouncement } from '../../shared/proto/index.js';

/** A run as one coordinator process runs it (a restarted coordinator resumes the run under a new id). */
const runKey = (a: RoundAnnouncement) => `${a.runId}/${a.coordinatorId}`;

/** One round of such a run. */
const roundKey = (a: RoundAnnouncement) => `${runKey(a)}/${a.round}`;

/** Identity of one announced attempt (a restarted coordinator announces again under its new id). */
export function attemptKey(a: RoundAnnouncement): string {
  return `${roundKey(a)}/${a.attempt}`;
}

/**
 * What a daemon knows of each run's rounds from the announcements it hears: the newest announced attempt of each run
 * (per coordinator process), the rounds it already delivered an update to, and the runs that ended. An update trained
 * for an attempt that closed meanwhile (a slow site) can then go to a later attempt of the same round — every attempt
 * of a round trains from the same global model — and the daemon plays no attempt that cannot use its work.
 * The caller passes only its own coordinator's announcements.
 */
export class AttemptTracker {
  private readonly newest = new Map<string, RoundAnnouncement>();
  private readonly delivered = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly waiters = new Set<(closing: boolean) => void>();

  /** Takes every announcement of the daemon's coordinator (any phase); wakes those waiting for a newer one. */
  observe(a: RoundAnnouncement): void {
    // A restarted coordinator resumes the run under a new id: the old process's attempts are gone.
    for (const [key, known] of this.newest)
      if (known.runId === a.runId && known.coordinatorId !== a.coordinatorId) this.newest.delete(key);
    if (a.phase === 'ROUND_PHASE_RUN_DONE') {
      this.ended.add(runKey(a));
      this.newest.delete(runKey(a));
      for (const key of this.delivered) if (key.startsWith(`${runKey(a)}/`)) this.delivered.delete(key);
    } else if (a.phase === 'ROUND_PHASE_FIT' && !a.dispatch) {
      // an asynchronous run's dispatch batches supersede nothing: each names its own clients
      const known = this.newest.get(runKey(a));
      if (!known || a.round > known.round || (a.round === known.round && a.attempt >= known.attempt)) {
        this.newest.set(runKey(a), a);
      }
    }
    for (const wake of [...this.waiters]) wake(false);
  }

  /**
   * Where an update trained for `trained` goes now: the newest announced attempt of the same round of the same
   * coordinator, or undefined when the run ended or moved to another round (the update is then worth nothing); an
   * asynchronous run's dispatch (RoundAnnouncement.dispatch) itself until the run ends.
   */
  current(trained: RoundAnnouncement): RoundAnnouncement | undefined {
    if (this.ended.has(runKey(trained))) return undefined;
    if (trained.dispatch) return trained; // an asynchronous run's dispatch takes its own update, however stale
    const a = this.newest.get(runKey(trained));
    return a && a.round === trained.round && a.attempt >= trained.attempt ? a : undefined;
  }

  /**
   * Waits until an announcement newer than `than` arrives for its run (another attempt or round, or the run's end),
   * at most `timeoutMs` (the timer does not keep the process alive). @returns false when none came in time, or the
   * tracker closed.
   */
  newer(than: RoundAnnouncement, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, timeoutMs).unref();
      const stop = this.watchNewer(than, (newer) => {
        clearTimeout(timer);
        resolve(newer);
      });
    });
  }

  /**
   * Calls `onNewer(true)` once an announcement newer than `than` arrives for its run (another attempt or round, or
   * the run's end; at once when one already did), or `onNewer(false)` when the tracker closes — once, either way.
   * @returns a function that stops watching (called after `onNewer`, it does nothing).
   */
  watchNewer(than: RoundAnnouncement, onNewer: (newer: boolean) => void): () => void {
    const isNewer = () => {
      const a = this.newest.get(runKey(than));
      return this.ended.has(runKey(than)) || !a || a.round !== than.round || a.attempt > than.attempt;
    };
    const stop = () => void this.waiters.delete(wake);
    const wake = (closing: boolean) => {
      if (!closing && !isNewer()) return;
      stop();
      onNewer(!closing);
    };
    if (isNewer()) onNewer(true);
    else this.waiters.add(wake);
    return stop;
  }

  /** The coordinator acknowledged an update of `a`'s round: no attempt of that round needs this site any more. */
  markDelivered(a: RoundAnnouncement): void {
    this.delivered.add(roundKey(a));
  }

  /**
   * True when playing `a` would train for nothing: this site already delivered an update to its round, a newer
   * attempt or round of its run was announced since (the daemon plays that one, if selected), or the run ended; an
   * asynchronous run's dispatch only by the run's end.
   */
  isSuperseded(a: RoundAnnouncement): boolean {
    if (a.dispatch) return this.ended.has(runKey(a)); // the coordinator judges its staleness
    const newest = this.newest.get(runKey(a));
    const newer =
      newest !== undefined && (newest.round > a.round || (newest.round === a.round && newest.attempt > a.attempt));
    return newer || this.delivered.has(roundKey(a)) || this.ended.has(runKey(a));
  }

  /** Ends every wait at once (the daemon closes). */
  close(): void {
    for (const wake of [...this.waiters]) wake(true);
  }
}
