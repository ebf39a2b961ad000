import { SecAggThresholdError } from '../errors/index.js';
import type { RoundRef } from './binding.js';

/**
 * The SecAgg+ survival rule: a client's secrets can be rebuilt only while at least `threshold` members of its
 * neighbourhood (itself included while it takes part) are still in the round. A stage that ends below it fails, before
 * any secret is asked for.
 * @see Bonawitz et al., CCS 2017, Fig. 4 ("if |U_i| < t, abort"); Bell et al., CCS 2020, §3.2; Flower
 *   `SecAggPlusWorkflow._check_threshold`
 */

/** Neighbours of `u` (itself excluded) still in `active`. */
export function liveNeighbours(
  graph: ReadonlyMap<string, readonly string[]>,
  u: string,
  active: ReadonlySet<string>,
): string[] {
  return (graph.get(u) ?? []).filter((v) => active.has(v));
}

/**
 * @throws {SecAggThresholdError} (clientId = owner) when fewer than `threshold` clients can hold shares of `owner`'s
 *   secret (`what`, for the message).
 */
export function requireHolders(ref: RoundRef, threshold: number, owner: string, holders: number, what: string): void {
  if (holders < threshold)
    throw new SecAggThresholdError(
      `round ${ref.round}: only ${holders} clients could hold shares of ${owner}'s ${what}, threshold ${threshold}`,
      { clientId: owner, round: ref.round },
    );
}

/**
 * Checks the end of a stage: at least `threshold` clients are active and each keeps threshold − 1 active neighbours.
 * @param what what the active clients did, for the message ("shared keys").
 * @throws {SecAggThresholdError} naming the stage's count, or the client whose neighbourhood is short.
 */
export function requireStageSurvivors(
  ref: RoundRef,
  threshold: number,
  graph: ReadonlyMap<string, readonly string[]>,
  active: ReadonlySet<string>,
  what: string,
): void {
  if (active.size < threshold)
    throw new SecAggThresholdError(`round ${ref.round}: ${active.size} clients ${what}, threshold ${threshold}`, {
      round: ref.round,
    });
  for (const u of active)
    requireHolders(ref, threshold, u, liveNeighbours(graph, u, active).length + 1, `secrets (${what})`);
}
