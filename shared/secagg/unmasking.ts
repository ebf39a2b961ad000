import type { RoundRef } from './binding.js';
import { SecAggProtocolError, SecAggThresholdError } from '../errors/index.js';
import { derivePairwiseKey, keyPairFromPrivate } from './key-agreement.js';
import { applyMasks, pairwiseSign, type Mask } from './masks.js';
import type { RoundSecAggParams } from './params.js';
import { combineShares } from './shamir.js';

/** Groups revealed shares by owner: one list per UnmaskResponse in, one list of shares per owner out. */
export function sharesByOwner(
  lists: readonly (readonly { owner: string; share: Uint8Array }[])[],
): Map<string, Uint8Array[]> {
  const by = new Map<string, Uint8Array[]>();
  for (const list of lists) for (const { owner, share } of list) by.set(owner, [...(by.get(owner) ?? []), share]);
  return by;
}

/** What the coordinator has gathered by the end of the unmask stage. Owns nothing it is given except `sum`. */
export interface UnmaskInput {
  readonly ref: RoundRef;
  readonly params: RoundSecAggParams;
  readonly graph: ReadonlyMap<string, readonly string[]>;
  /** Σ y_u mod M over the survivors; unmasked in place. */
  readonly sum: Uint32Array;
  /** U3: clients whose masked input is in `sum`. */
  readonly survivors: readonly string[];
  /** U2 \ U3: clients that shared keys but sent no masked input. */
  readonly dropped: readonly string[];
  /** s^PK of every client that advertised keys. */
  readonly maskPublicKeys: ReadonlyMap<string, Uint8Array>;
  /** Revealed shares of b_u per survivor u. */
  readonly seedShares: ReadonlyMap<string, readonly Uint8Array[]>;
  /** Revealed shares of s_d^SK per dropped d. */
  readonly keyShares: ReadonlyMap<string, readonly Uint8Array[]>;
}

/**
 * Removes every mask from the survivors' sum: rebuilds b_u of each survivor and subtracts PRG(b_u); rebuilds s_d^SK of
 * each dropped client d and, for each surviving neighbour v of d (which masked with d), undoes Δ_{v,d}·PRG(s_{v,d}).
 * Pairwise masks between two survivors cancel on their own. Every share count is checked before any secret is
 * rebuilt, so a failure reveals nothing.
 * @returns `sum`, now Σ encode(x_u) mod M over the survivors.
 * @throws {SecAggThresholdError} (clientId = the owner) when fewer than `threshold` shares of a needed secret arrived.
 * @throws {SecAggProtocolError} (clientId = the owner) when the shares do not combine, or a rebuilt mask key does not
 *   match the public key its owner advertised (a corrupted share).
 * @see Bonawitz et al., CCS 2017, Fig. 4 Round 4 (Unmasking, server side); Bell et al., CCS 2020, §3.2
 */
export async function unmaskSum(input: UnmaskInput): Promise<Uint32Array> {
  const { ref, params, graph, sum } = input;
  const { threshold, modulus } = params;
  const needed: [string, ReadonlyMap<string, readonly Uint8Array[]>, string][] = [
    ...input.survivors.map((u): [string, typeof input.seedShares, string] => [u, input.seedShares, 'self-mask seed']),
    ...input.dropped.map((d): [string, typeof input.keyShares, string] => [d, input.keyShares, 'mask key']),
  ];
  for (const [owner, shares, what] of needed) {
    const count = shares.get(owner)?.length ?? 0;
    if (count < threshold)
      throw new SecAggThresholdError(
        `round ${ref.round}: ${count} shares of ${owner}'s ${what} arrived, ${threshold} needed; nothing was unmasked`,
        { clientId: owner, round: ref.round },
      );
  }
  const masks: Mask[] = [];
  for (const u of input.survivors)
    masks.push({ seed: await combineShares(input.seedShares.get(u)!, threshold, u), sign: -1 });
  const survivors = new Set(input.survivors);
  for (const d of input.dropped) {
    const privateKey = await combineShares(input.keyShares.get(d)!, threshold, d);
    const advertised = input.maskPublicKeys.get(d)!;
    if (!Buffer.from(keyPairFromPrivate(privateKey).publicKey).equals(advertised))
      throw new SecAggProtocolError(`the shares of ${d}'s mask key do not rebuild the key it advertised`, {
        clientId: d,
        round: ref.round,
        field: 'keyShares',
      });
    for (const v of graph.get(d) ?? []) {
      if (!survivors.has(v)) continue;
      const seed = derivePairwiseKey('pairwise-mask', ref, d, privateKey, v, input.maskPublicKeys.get(v)!);
      masks.push({ seed, sign: pairwiseSign(v, d) === 1 ? -1 : 1 });
    }
  }
  return applyMasks(sum, masks, modulus);
}
