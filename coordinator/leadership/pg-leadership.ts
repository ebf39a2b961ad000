import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../../shared/logging/index.js';
import type { FencingToken, PgDatabase } from '../store/index.js';
import type { Leadership } from './leadership.js';

/** Settings of a {@link PgLeadership}. */
export interface PgLeadershipOptions {
  /** This coordinator's id (the lease's holder); unique per process, so a restarted coordinator is a new holder. */
  holder: string;
  /**
   * The gRPC address clients reach this coordinator at (host:port), shown by standbys as the leader's. Read when the
   * lease is taken, so a server may bind its port after the leadership is made.
   */
  address: () => string;
  /** A lease not renewed for this long may be taken by a standby (ms). @default 10000 */
  leaseMs: number;
  logger: Logger;
}

/** Renewals (leader) and polls (standby) per lease: every leaseMs/4, so two may fail before the lead is given up. */
const TICKS_PER_LEASE = 4;
/**
 * The share of the lease the leader gives up early: it counts the lead as held for leaseMs × (1 − this) after it sent
 * its last successful renewal, so it stops before the database's expiry (set by a statement that started later)
 * despite timer lateness and clock-rate drift.
 */
const SAFETY_MARGIN = 0.2;
/** A lease statement not answered within leaseMs × this is abandoned (its connection dropped): a partition. */
const QUERY_TIMEOUT_SHARE = 0.5;

/**
 * Takes the lease when it expired or was released, or when the row names this coordinator though it does not lead (a
 * take-over whose answer was lost: the statement timed out here but committed there); the new generation fences off
 * every earlier holder's writes, this coordinator's earlier terms included.
 */
const ACQUIRE_SQL = `UPDATE leader_lease SET holder = $1, address = $2, generation = generation + 1,
    expires_at = now() + $3 * interval '1 millisecond'
  WHERE id = 1 AND (expires_at < now() OR holder = '' OR holder = $1) RETURNING generation`;
const RENEW_SQL = `UPDATE leader_lease SET expires_at = now() + $3 * interval '1 millisecond'
  WHERE id = 1 AND holder = $1 AND generation = $2`;
const RELEASE_SQL = `UPDATE leader_lease SET holder = '', address = '', expires_at = '-infinity'
  WHERE id = 1 AND holder = $1 AND generation = $2`;
const LEADER_SQL = `SELECT address FROM leader_lease WHERE id = 1 AND holder <> '' AND expires_at >= now()`;

/**
 * Leader election on the one-row `leader_lease` table of a migrated fedsift schema (migratePostgres). Times are the
 * database's (`now()`), so coordinators' clocks need not agree. Every leaseMs/4 a standby tries to take the lease
 * (expired or released: generation + 1) and otherwise reads the leader's address; the leader renews it. The leader
 * measures its own safety deadline on the monotonic clock, independently of its queries: the lead counts as held
 * until leaseMs × 0.8 after the last successful renewal was sent; past that (a renewal hangs: a partition, or fails),
 * or at once when a renewal finds the lease no longer its own, it emits `lost` — before any standby can take the row,
 * whose expiry the database set later. Writes are fenced by {@link token} in the store, so even a leader that has not
 * noticed yet cannot commit after a take-over.
 *
 * Uses the database's pool: one statement at a time, each abandoned after leaseMs/2. Timers are unref'd: they keep
 * no process alive. `lost` is not emitted by close().
 */
export class PgLeadership extends EventEmitter<{ elected: []; lost: [reason: string] }> implements Leadership {
  private leading = false;
  private generation = 0;
  /** The leader's address as a standby last read it. */
  private seenLeader = '';
  private ticker: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  /** The tick whose statement is in flight; a tick is skipped while one is. */
  private inFlight: Promise<void> | undefined;
  /** The release of a lease lost to the safety deadline, in flight. */
  private releasing: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly db: PgDatabase,
    private readonly options: PgLeadershipOptions,
  ) {
    super();
    this.log = options.logger.child({ component: 'leadership', holder: options.holder });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  token(): FencingToken | null {
    return this.leading ? { holder: this.options.holder, generation: this.generation } : null;
  }

  leaderAddress(): string {
    return this.leading ? this.options.address() : this.seenLeader;
  }

  /**
   * Starts campaigning now, then every leaseMs/4; resolves when the first attempt is decided. Calling it again, or
   * after close(), does nothing.
   */
  async start(): Promise<void> {
    if (this.ticker || this.closing) return;
    this.ticker = setInterval(() => this.tick(), this.options.leaseMs / TICKS_PER_LEASE).unref();
    this.log.info({ leaseMs: this.options.leaseMs, state: this.db.location }, 'campaigning for the leader lease');
    this.tick();
    await this.inFlight;
  }

  resign(reason: string): void {
    this.lose(reason);
  }

  /**
   * Stops campaigning; a leader releases the lease (holder '', expired) so a standby takes over at its next poll.
   * Waits for the statement in flight (at most leaseMs/2 after it was sent). Failures are logged, never thrown.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.ticker);
    await this.inFlight;
    await this.releasing;
    clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    await this.release(this.generation);
    this.log.info({ generation: this.generation }, 'leader lease released');
  }

  private tick(): void {
    if (this.inFlight || this.closing) return;
    const step = this.leading ? this.renew() : this.campaign();
    this.inFlight = step
      .catch((err: unknown) =>
        this.log.warn(
          { err: (err as Error).message, leading: this.leading },
          this.leading
            ? 'leader lease renewal failed; the lead holds until its safety deadline'
            : 'leader lease poll failed',
        ),
      )
      .finally(() => (this.inFlight = undefined));
  }

  private async campaign(): Promise<void> {
    const { holder, address, leaseMs } = this.options;
    const sentAtMs = performance.now();
    const won = await this.query<{ generation: string }>(ACQUIRE_SQL, [holder, address(), leaseMs]);
    if (won.rows[0]) return this.win(Number(won.rows[0].generation), sentAtMs);
    const leader = (await this.query<{ address: string }>(LEADER_SQL, [])).rows[0]?.address ?? '';
    if (leader !== this.seenLeader) this.log.info({ leader: leader || null }, 'standing by');
    this.seenLeader = leader;
  }

  private win(generation: number, sentAtMs: number): void {
    this.generation = generation;
    if (this.closing) {
      this.leading = true; // shutDown, waiting for this statement, releases it
      return;
    }
    if (!this.armDeadline(sentAtMs)) {
      this.log.warn({ generation }, 'the leader lease was granted too late to be used; handing it back');
      this.handBack(generation);
      return;
    }
    this.leading = true;
    this.seenLeader = '';
    this.log.info({ generation, address: this.options.address() }, 'elected leader');
    this.emit('elected');
  }

  private async renew(): Promise<void> {
    const { holder, leaseMs } = this.options;
    const generation = this.generation;
    const sentAtMs = performance.now();
    const renewed = await this.query(RENEW_SQL, [holder, generation, leaseMs]);
    if (!this.leading || this.generation !== generation) return; // lost meanwhile, to the safety deadline
    if (renewed.rowCount === 0) this.lose('another coordinator took the leader lease', false);
    else if (!this.armDeadline(sentAtMs)) this.lose('the lease renewal was answered too late');
  }

  /**
   * (Re)sets the safety deadline to leaseMs × (1 − SAFETY_MARGIN) after `sentAtMs` (performance.now()).
   * @returns false when that moment has passed already.
   */
  private armDeadline(sentAtMs: number): boolean {
    const heldMs = this.options.leaseMs * (1 - SAFETY_MARGIN);
    const leftMs = sentAtMs + heldMs - performance.now();
    clearTimeout(this.deadline);
    if (leftMs <= 0) return false;
    this.deadline = setTimeout(
      () => this.lose(`the leader lease was not renewed within ${Math.round(heldMs)} ms`),
      leftMs,
    ).unref();
    return true;
  }

  /** Gives the lead up: `lost` at once, then (unless another holder has the row) a best-effort release. */
  private lose(reason: string, release = true): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.deadline);
    this.log.warn({ generation: this.generation, reason }, 'lost the lead');
    if (release) this.handBack(this.generation);
    this.emit('lost', reason);
  }

  /** Releases the lease of `generation` in the background (close() waits for it). */
  private handBack(generation: number): void {
    this.releasing = this.releasing.then(() => this.release(generation));
  }

  /** Hands the lease of `generation` back (when still this holder's). Failures are logged. */
  private async release(generation: number): Promise<void> {
    await this.query(RELEASE_SQL, [this.options.holder, generation]).catch((err: unknown) =>
      this.log.warn({ err: (err as Error).message, generation }, 'could not release the leader lease'),
    );
  }

  private query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    // node-postgres reads query_timeout per statement too (pg/lib/client.js); @types/pg lists it for clients only.
    const config: pg.QueryConfig & { query_timeout: number } = {
      text,
      values,
      query_timeout: Math.round(this.options.leaseMs * QUERY_TIMEOUT_SHARE),
    };
    return this.db.pool.query<R>(config);
  }
}
