import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '../../shared/logging/index.js';
import type { RunManager } from '../rounds/index.js';
import type { FencingToken } from '../store/index.js';
import type { Leadership } from './leadership.js';

/** What a coordinator is to the federation: the leader runs rounds and answers calls; a standby refuses them. */
export type Role = 'leader' | 'standby';

/** What a {@link CoordinatorRole} switches. */
export interface CoordinatorRoleDeps {
  leadership: Leadership;
  /** The runs: loaded (and the open ones resumed) on taking the lead, suspended on losing it. */
  manager: Pick<RunManager, 'restore' | 'close'>;
  logger: Logger;
}

/**
 * Follows a {@link Leadership}. On `elected` it loads the runs (RunManager.restore: each open run resumes at its last
 * committed round), then serves; on `lost` it stops serving at once — `serving()` is false from the moment the lead
 * is lost — and then suspends every run (RunManager.close), leaving them to the next leader. Transitions run one at a
 * time, in the order of the events. Emits `serving` (true/false) when it starts or stops serving: health statuses
 * and open streams follow it.
 */
export class CoordinatorRole extends EventEmitter<{ serving: [boolean] }> {
  private current: Role = 'standby';
  private term = randomUUID();
  private transitions: Promise<void> = Promise.resolve();
  private starting = true;
  /** How many times this coordinator took the lead (the first keeps the start-up id and start-up failure path). */
  private leads = 0;
  /** The lease token of the current lead, from its start to the moment it is lost (see fence()). */
  private termToken: FencingToken | null = null;
  private startFailure: unknown;
  private closed = false;

  constructor(private readonly deps: CoordinatorRoleDeps) {
    super();
    deps.leadership.on('elected', () => this.enqueue(() => this.lead()));
    deps.leadership.on('lost', (reason) => {
      this.termToken = null; // at once: a write of the lost term still under way is refused (fence)
      this.enqueue(() => this.standBy(reason));
    });
  }

  /**
   * The token the shared state's writes carry: the lease token this coordinator took the current lead with, null from
   * the moment that lead is lost. Tied to the term, not to the process: a write of an earlier term that was held up
   * (a partition) while this coordinator lost the lead and took it again is refused, not written under the new
   * term's generation. Pass it as the store's fence.
   */
  fence(): FencingToken | null {
    return this.termToken;
  }

  /** The role as last switched to: 'leader' once the runs are loaded, 'standby' again once the lead is lost. */
  get role(): Role {
    return this.current;
  }

  /**
   * The coordinator id of the current lead: a new one each time this coordinator takes the lead, put on Join answers
   * and announcements. Daemons key the attempts they trained by it, so a coordinator that lost the lead and took it
   * again (its runs resumed from the store, round attempts counted from 1 again) is a new coordinator to them: they
   * re-join and train the resumed round instead of taking it for one they already trained.
   */
  get coordinatorId(): string {
    return this.term;
  }

  /** True while this coordinator leads with its runs loaded: calls are answered. */
  serving(): boolean {
    return this.current === 'leader' && this.deps.leadership.isLeader;
  }

  /** The leader's host:port ('' when none is known); this coordinator's own while it leads. */
  leaderAddress(): string {
    return this.deps.leadership.leaderAddress();
  }

  /**
   * Starts campaigning; resolves once the first attempt is decided and, when it won, the runs are loaded.
   * @throws what loading the runs threw when this coordinator took the lead at start (a bad state, the database
   *         gone): the coordinator cannot start. Later, such a failure gives the lead up (Leadership.resign).
   */
  async start(): Promise<void> {
    await this.deps.leadership.start();
    await this.transitions;
    this.starting = false;
    if (this.startFailure !== undefined) throw this.startFailure;
  }

  /** Waits for the transition under way, suspends the runs (RunManager.close), then ends the leadership (releasing a lease). */
  async close(): Promise<void> {
    this.closed = true;
    await this.transitions;
    this.current = 'standby';
    await this.deps.manager.close();
    await this.deps.leadership.close();
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions
      .then(step)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'role change failed'));
  }

  private async lead(): Promise<void> {
    const { leadership, manager, logger } = this.deps;
    if (this.closed || !leadership.isLeader) return; // lost again before its turn: the queued standBy follows
    const first = this.leads++ === 0;
    if (!first) this.term = randomUUID();
    this.termToken = leadership.token();
    try {
      const resumed = await manager.restore();
      if (resumed.length) logger.info({ runs: resumed }, 'resuming unfinished runs from their last completed round');
    } catch (err) {
      if (first && this.starting) this.startFailure = err;
      else {
        logger.error({ err }, 'cannot load the runs: giving the lead up');
        await manager.close();
        leadership.resign(`cannot load the runs: ${(err as Error).message}`);
      }
      return;
    }
    if (!leadership.isLeader) return; // lost while loading: the queued standBy suspends what was loaded
    this.current = 'leader';
    logger.info({ role: this.current, address: leadership.leaderAddress() }, 'leading: serving clients and operators');
    this.emit('serving', true);
  }

  private async standBy(reason: string): Promise<void> {
    if (this.closed) return; // close() suspends the runs itself
    this.current = 'standby';
    this.emit('serving', false);
    await this.deps.manager.close();
    this.deps.logger.warn(
      { role: this.current, reason, leader: this.leaderAddress() || null },
      'standing by: runs suspended for the next leader',
    );
  }
}
