import type { SubFleetUpdate } from '../../shared/proto/index.js';
import type { ClientFailure } from '../strategies/index.js';

/**
 * What the accepted updates of a round stand for beyond one client each (README "Hierarchical aggregation"): the
 * client updates behind the aggregators' updates, the clients behind them that contributed nothing, and the failures
 * the aggregators listed, as `<aggregator client id>/<client id>`. Holds counts and the listed failures only (at most
 * MAX_SUB_FLEET_FAILURES per aggregator), nothing else per client behind an aggregator.
 */
export class SubFleetTally {
  /** Σ (SubFleetUpdate.clients − 1) over the counted aggregators' updates: 0 while only sites' were counted. */
  private extraClientUpdates = 0;
  /** Σ SubFleetUpdate.failed over the counted aggregators' updates. */
  failed = 0;
  /** The failures the aggregators listed, client ids prefixed with their aggregator's. */
  readonly failures: ClientFailure[] = [];

  /**
   * Counts one accepted update of client `clientId`; `subFleet` is its header's (an aggregator's update), absent from
   * a site's (which counts 1 and adds nothing here).
   */
  add(clientId: string, subFleet?: SubFleetUpdate | null): void {
    if (!subFleet) return;
    this.extraClientUpdates += subFleet.clients - 1;
    this.failed += subFleet.failed;
    for (const f of subFleet.failures) this.failures.push({ clientId: `${clientId}/${f.clientId}`, reason: f.reason });
  }

  /**
   * Client updates in the round's aggregate (RoundSummary.client_updates) when `responded` participants' updates
   * were accepted: each site's counts 1, each aggregator's its sub-fleet's.
   */
  clientUpdates(responded: number): number {
    return responded + this.extraClientUpdates;
  }
}
