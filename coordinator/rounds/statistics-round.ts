import {
  DuplicateUpdateError,
  InvalidRequestError,
  NotSelectedError,
  RoundClosedError,
} from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { SiteStatistics, StatisticsAck } from '../../shared/proto/index.js';
import {
  combineStatistics,
  statisticsProblem,
  type DataSchema,
  type GlobalStatistics,
  type SiteSums,
} from '../../shared/tabular/index.js';
import type { ClientRegistry } from '../clients/index.js';
import type { RunConfig } from '../config/index.js';
import type { EligibleClients } from './eligible-clients.js';
import { closeFailingLostClients, type ClosingAttempt } from './lost-clients.js';
import type { CloseReason } from './open-round-options.js';
import { quorumNotMet, type RoundYield } from './round-summary.js';
import type { Clock } from './run-deps.js';

/** What round 0 collects, for its quorum error. */
const STATISTICS: RoundYield = {
  items: "sites' feature statistics",
  deadlineFailure: 'no statistics before the round deadline',
};

/** What round 0 of a run needs from the run. */
export interface StatisticsRoundDeps {
  runId: string;
  schema: DataSchema;
  config: Pick<RunConfig, 'minClients' | 'maxRoundAttempts' | 'roundDeadlineMs'>;
  clients: ClientRegistry;
  clock: Clock;
  logger: Logger;
  /** The clients the run may select. */
  eligible: EligibleClients;
  /** Announces an attempt to every client (ROUND_PHASE_STATISTICS). */
  announce(a: { selected: readonly string[]; attempt: number; deadlineUnixMs: number }): Promise<void>;
  /** An attempt closed below the quorum and another follows. */
  onRetry(): void;
}

/**
 * Round 0 of a run whose data schema needs feature statistics (needsStatistics): every live eligible client is asked
 * for the sums of its table (SubmitStatistics; never rows), and once `minClients` sites sent theirs they are combined
 * into the run's global statistics (combineStatistics). An attempt closes when every selected client answered (sums,
 * a refusal, or lost: no heartbeat) or at roundDeadlineMs; below quorum it is retried, asking only the sites that have
 * not sent theirs, up to maxRoundAttempts. A site with fewer rows than the schema's minSiteRows is told so and never
 * asked again: its sums would say too much about its few rows.
 */
export class StatisticsRound {
  private open: StatisticsAttempt | undefined;
  /** Accepted sums by client id, over every attempt. */
  private readonly accepted = new Map<string, SiteSums>();
  /** Clients whose table has fewer rows than minSiteRows. */
  private readonly tooSmall = new Set<string>();
  private stopped = false;

  constructor(private readonly d: StatisticsRoundDeps) {}

  /**
   * Plays round 0's attempts. @returns the global statistics, or undefined when the run was stopped meanwhile.
   * @throws {QuorumNotMetError} when fewer than minClients sites sent statistics in maxRoundAttempts attempts, or
   *         too few eligible clients are live for a retry (EligibleClients.waitFor).
   */
  async gather(): Promise<GlobalStatistics | undefined> {
    const { config, clients, clock, logger } = this.d;
    let open: StatisticsAttempt | undefined;
    for (let attempt = 1; attempt <= config.maxRoundAttempts; attempt++) {
      if (attempt > 1) await this.d.eligible.waitFor(() => this.stopped);
      if (this.stopped) return undefined;
      const selected = this.d.eligible.live().filter((id) => !this.accepted.has(id) && !this.tooSmall.has(id));
      // One instant: the announced deadline is the one the attempt closes at (a slow broadcast does not move it).
      const deadlineUnixMs = clock.now() + config.roundDeadlineMs;
      open = this.open = new StatisticsAttempt(selected, deadlineUnixMs - clock.now());
      await this.d.announce({ selected, attempt, deadlineUnixMs });
      const reason = await closeFailingLostClients(open, clients, clock);
      if (this.stopped) return undefined;
      const sites = this.accepted.size;
      logger.info({ round: 0, attempt, reason, sites, failed: open.failures.size }, 'feature statistics round closed');
      if (sites >= config.minClients) return combineStatistics(this.d.schema, [...this.accepted.values()]);
      if (attempt < config.maxRoundAttempts) this.d.onRetry();
    }
    const failures = [...(open?.failures ?? [])].map(([clientId, reason]) => ({ clientId, reason }));
    throw quorumNotMet(this.d.runId, 0, config, { accepted: this.accepted.size, failures }, STATISTICS);
  }

  /**
   * Takes a selected site's statistics: its sums count once they fit the schema (statisticsProblem); a re-send of
   * accepted sums is acknowledged again. A refused site fails this attempt (the round goes on with the others) unless
   * valid sums of it arrive while the attempt is open.
   * @throws {RoundClosedError} when no attempt is open, or the site has fewer rows than minSiteRows (it sends no
   *         statistics) | {NotSelectedError} | {InvalidRequestError} naming the problem of malformed sums |
   *         {DuplicateUpdateError} for different sums after accepted ones.
   */
  submit(s: SiteStatistics): StatisticsAck {
    const { runId, clientId } = s;
    const ctx = { runId, clientId, round: 0 };
    const sums: SiteSums = { rows: s.rows, numeric: s.numeric, categorical: s.categorical };
    const previous = this.accepted.get(clientId);
    if (previous !== undefined) {
      if (JSON.stringify(previous) === JSON.stringify(sums)) return { accepted: true, message: 'already counted' };
      throw new DuplicateUpdateError(`client ${clientId} already sent other statistics; the first ones count`, ctx);
    }
    const open = this.open;
    if (!open?.isOpen) throw new RoundClosedError(`round 0 of run ${runId} no longer accepts statistics`, ctx);
    if (!open.selected.has(clientId))
      throw new NotSelectedError(`client ${clientId} was not selected for round 0 (feature statistics)`, ctx);
    const { minSiteRows } = this.d.schema;
    if (s.rows < minSiteRows) {
      const why = `${s.rows} rows, fewer than the schema's minSiteRows (${minSiteRows}): the site sends no statistics`;
      this.tooSmall.add(clientId);
      open.fail(clientId, why);
      throw new RoundClosedError(`client ${clientId} has ${why}`, ctx);
    }
    const problem = statisticsProblem(this.d.schema, sums);
    if (problem !== undefined) {
      this.d.logger.warn({ round: 0, client: clientId, reason: problem }, 'feature statistics refused');
      open.fail(clientId, `statistics refused: ${problem}`);
      throw new InvalidRequestError(`SubmitStatistics: ${problem}`, { ...ctx, field: 'statistics' });
    }
    this.accepted.set(clientId, sums);
    open.failures.delete(clientId); // malformed sums earlier in this attempt: these count
    open.answer(clientId);
    return { accepted: true, message: '' };
  }

  /** The run stops: the open attempt closes and gather() returns undefined. */
  stop(): void {
    this.stopped = true;
    this.open?.close('stopped');
  }
}

/**
 * One attempt of round 0: its selected clients and who of them answered. Closes when all did (sums or a failure), at
 * its deadline (those left fail), or when stopped.
 */
class StatisticsAttempt implements ClosingAttempt {
  readonly selected: ReadonlySet<string>;
  /** Why each client that answered without counted sums failed (client id → reason). */
  readonly failures = new Map<string, string>();
  readonly closed: Promise<CloseReason>;
  private readonly answered = new Set<string>();
  private resolveClosed!: (r: CloseReason) => void;
  private readonly timer: NodeJS.Timeout;
  isOpen = true;

  constructor(selected: readonly string[], deadlineMs: number) {
    this.selected = new Set(selected);
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.timer = setTimeout(() => this.close('deadline'), deadlineMs);
    this.closeIfAllAnswered();
  }

  answer(clientId: string): void {
    this.answered.add(clientId);
    this.closeIfAllAnswered();
  }

  fail(clientId: string, reason: string): void {
    if (!this.isOpen || this.answered.has(clientId)) return;
    this.failures.set(clientId, reason);
    this.answer(clientId);
  }

  close(reason: CloseReason): void {
    if (!this.isOpen) return;
    if (reason === 'deadline')
      for (const id of this.selected) if (!this.answered.has(id)) this.failures.set(id, STATISTICS.deadlineFailure);
    this.isOpen = false;
    clearTimeout(this.timer);
    this.resolveClosed(reason);
  }

  private closeIfAllAnswered(): void {
    if (this.answered.size >= this.selected.size) this.close('all-answered');
  }
}
