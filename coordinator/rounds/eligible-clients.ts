import { setTimeout as sleep } from 'node:timers/promises';
import { QuorumNotMetError } from '../../shared/errors/index.js';
import type { ClientRegistry } from '../clients/index.js';
import type { RunConfig } from '../config/index.js';
import type { RunDataShape } from '../../shared/contract/index.js';
import { describeRequirement, fitsRun } from './eligibility.js';
import type { Clock } from './run-deps.js';

/**
 * The clients a run may select: live, with data that fits its model and schema (its RunDataShape); in a hierarchical
 * run, live aggregators too (fitsRun).
 */
export class EligibleClients {
  private readonly fits: ReturnType<typeof fitsRun>;

  constructor(
    private readonly o: {
      runId: string;
      config: Pick<RunConfig, 'minAvailableClients' | 'waitForClientsMs' | 'hierarchical'>;
      clients: ClientRegistry;
      clock: Clock;
      requirement: RunDataShape;
    },
  ) {
    this.fits = fitsRun(o.requirement, o.config.hierarchical);
  }

  /** Ids of the eligible live clients, in join order. */
  live(): string[] {
    return this.o.clients.live(this.o.clock.now(), this.fits);
  }

  /**
   * Waits until minAvailableClients eligible clients are live, or `stopped()` says the run stopped.
   * @throws {QuorumNotMetError} after waitForClientsMs, saying what a client's data must be and how many live clients
   *         did not fit.
   */
  async waitFor(stopped: () => boolean): Promise<void> {
    const { config, clients, clock, requirement, runId } = this.o;
    const until = clock.now() + config.waitForClientsMs;
    while (this.live().length < config.minAvailableClients) {
      if (stopped()) return;
      if (clock.now() > until) {
        const eligible = this.live().length;
        const unfit = clients.live(clock.now()).length - eligible;
        throw new QuorumNotMetError(
          `only ${eligible} of the ${config.minAvailableClients} clients needed within ${config.waitForClientsMs} ms: ` +
            `live, with data that fits the run (${describeRequirement(requirement)})` +
            (unfit ? `; ${unfit} other live client${unfit === 1 ? '' : 's'} did not fit` : ''),
          { runId },
        );
      }
      await sleep(100);
    }
  }
}
