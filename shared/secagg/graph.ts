import { createRng, shuffleInPlace } from '../random/index.js';
import { SecAggProtocolError } from '../errors/index.js';

/**
 * The SecAgg+ communication graph of a round: client id → its neighbours (itself excluded), sorted.
 *
 * A Harary graph H_{k−1,n} laid over a seeded random permutation of the clients: clients sit on a ring in the shuffled
 * order and each is joined to the ⌊(k − 1)/2⌋ clients on either side, so with k = numShares odd and below n the graph
 * is (k − 1)-regular and a client's neighbourhood — itself and its neighbours, the holders of its shares — has
 * numShares members. k ≥ n gives the complete graph (plain SecAgg). Symmetric; a function of (ids as a set, k, seed)
 * only, so clients and coordinator compute the same graph from public inputs.
 * @param clientIds the round's clients (distinct, ≥ 2).
 * @param numShares k, as resolveRoundParams gives it (integer ≥ 2).
 * @param seed public seed of the round (e.g. deriveSeed(runSeed, 'secagg-graph', round)).
 * @throws {SecAggProtocolError} (field 'clientIds') on duplicate ids or fewer than 2 clients.
 * @throws {RangeError} when numShares is not an integer ≥ 2.
 * @see Bell et al., CCS 2020, §3.1 (random k-regular communication graph, Harary graph over a random permutation);
 *   Harary, PNAS 1962; Flower `SecAggPlusWorkflow.setup_stage`
 */
export function neighbourhoods(
  clientIds: readonly string[],
  numShares: number,
  seed: number,
): ReadonlyMap<string, readonly string[]> {
  if (!Number.isInteger(numShares) || numShares < 2)
    throw new RangeError(`numShares must be an integer ≥ 2, got ${numShares}`);
  const ring = [...clientIds].sort();
  if (ring.length < 2)
    throw new SecAggProtocolError(`SecAgg+ needs ≥ 2 clients, got ${ring.length}`, { field: 'clientIds' });
  for (let i = 1; i < ring.length; i++)
    if (ring[i] === ring[i - 1])
      throw new SecAggProtocolError(`client ${ring[i]} is listed twice`, { clientId: ring[i], field: 'clientIds' });
  shuffleInPlace(createRng(seed), ring);
  const n = ring.length;
  const half = numShares >= n ? Math.floor(n / 2) : Math.floor((numShares - 1) / 2);
  const graph = new Map<string, readonly string[]>();
  ring.forEach((id, i) => {
    const near = new Set<string>();
    for (let d = 1; d <= half; d++) {
      near.add(ring[(i + d) % n]!);
      near.add(ring[(i - d + n) % n]!);
    }
    graph.set(id, Object.freeze([...near].sort()));
  });
  return graph;
}
