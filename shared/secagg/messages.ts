/**
 * The messages of one SecAgg+ round, as plain objects the transport carries (stage numbers as in Bonawitz et al.,
 * CCS 2017, Fig. 4, rounds 0–4; Flower's stages setup / share keys / collect masked vectors / unmask). Byte fields are
 * raw bytes; ids are fedsift client ids. The coordinator fills `clientId` of a client's message from the
 * authenticated session, never from the payload.
 */
import type { RoundSecAggParams } from './params.js';
import type { WeightedSum } from './weighting.js';

/** Stage 0, coordinator → every selected client: the round's parameters and the public inputs of its graph. */
export interface SecAggSetup {
  readonly runId: string;
  readonly round: number;
  readonly params: RoundSecAggParams;
  /** Every client selected for the round; the graph is computed over them. */
  readonly clientIds: readonly string[];
  /** Public seed of the neighbourhood graph (see neighbourhoods). */
  readonly graphSeed: number;
  /** Values in a client's update, L (the masked vector has L + 1: the weight coordinate last). */
  readonly vectorLength: number;
}

/** Stage 1 (advertise keys), client → coordinator: the two X25519 public keys of the round, 32 bytes each. */
export interface KeyAdvertisement {
  readonly clientId: string;
  readonly round: number;
  /** c_u^PK: agrees the keys that encrypt shares. */
  readonly encryptionPublicKey: Uint8Array;
  /** s_u^PK: agrees the pairwise-mask seeds. */
  readonly maskPublicKey: Uint8Array;
}

/** One client's advertised keys, as relayed to its neighbours. */
export type AdvertisedKeys = Omit<KeyAdvertisement, 'round'>;

/** Stage 2 (share keys), coordinator → client: the keys of its neighbours that advertised (itself excluded). */
export interface ShareKeysRequest {
  readonly round: number;
  readonly keys: readonly AdvertisedKeys[];
}

/** A share pair `from` encrypted for `to` (see encryptSharePair); the coordinator relays it unread. */
export interface EncryptedShare {
  readonly from: string;
  readonly to: string;
  readonly ciphertext: Uint8Array;
}

/** Stage 2 reply, client → coordinator: one encrypted share pair for every neighbour in its ShareKeysRequest. */
export interface ShareKeysResponse {
  readonly clientId: string;
  readonly round: number;
  readonly shares: readonly EncryptedShare[];
}

/** Stage 3 (masked input), coordinator → client: the share pairs addressed to it, from neighbours that sent theirs. */
export interface MaskedInputRequest {
  readonly round: number;
  readonly shares: readonly EncryptedShare[];
}

/** Stage 3 reply, client → coordinator: y_u, L + 1 values mod `modulus` (maskedVectorToBytes for the upload). */
export interface MaskedInput {
  readonly clientId: string;
  readonly round: number;
  readonly masked: Uint32Array;
}

/**
 * Stage 4 (unmask), coordinator → surviving client: which of its neighbourhood (itself included) sent masked input
 * and which dropped after sharing keys. The two sets must be disjoint — a client refuses otherwise.
 */
export interface UnmaskRequest {
  readonly round: number;
  /** Owners whose self-mask seed share b_{owner,me} is wanted. */
  readonly survivors: readonly string[];
  /** Owners whose mask-key share s^SK_{owner,me} is wanted. */
  readonly dropped: readonly string[];
}

/** One Shamir share of `owner`'s secret, SHARE_BYTES long. */
export interface RevealedShare {
  readonly owner: string;
  readonly share: Uint8Array;
}

/** Stage 4 reply, client → coordinator: exactly the shares the UnmaskRequest named. */
export interface UnmaskResponse {
  readonly clientId: string;
  readonly round: number;
  readonly seedShares: readonly RevealedShare[];
  readonly keyShares: readonly RevealedShare[];
}

/** The aggregate of a SecAgg+ round: the weighted mean over the survivors and who took part. */
export interface SecAggResult extends WeightedSum {
  /** U3: clients whose input is in the mean. */
  readonly survivors: readonly string[];
  /** U2 \ U3: shared keys, then dropped; their masks were removed with their neighbours' shares. */
  readonly dropped: readonly string[];
  /** Selected but never shared keys: not in the sum, nothing of theirs rebuilt. */
  readonly absent: readonly string[];
}
