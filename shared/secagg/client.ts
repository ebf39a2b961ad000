import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { RoundRef } from './binding.js';
import { expectBytes, expectIdsWithin, expectRound } from './checks.js';
import { SecAggConsistencyError, SecAggProtocolError, SecAggThresholdError } from '../errors/index.js';
import { neighbourhoods } from './graph.js';
import {
  derivePairwiseKey,
  KEY_BYTES,
  keyPairFromPrivate,
  type PairwisePurpose,
  type X25519KeyPair,
} from './key-agreement.js';
import { maskSteps, pairwiseSign } from './masks.js';
import { addModInPlace } from './modular.js';
import type {
  AdvertisedKeys,
  KeyAdvertisement,
  MaskedInput,
  MaskedInputRequest,
  SecAggSetup,
  ShareKeysRequest,
  ShareKeysResponse,
  UnmaskRequest,
  UnmaskResponse,
} from './messages.js';
import { checkRoundParams, type RoundSecAggParams } from './params.js';
import { decryptSharePair, encryptSharePair, NONCE_BYTES, type SharePair } from './share-encryption.js';
import { splitSecret } from './shamir.js';
import { encodeWeightedInput } from './weighting.js';

/** A client's collaborators for one SecAgg+ round. */
export interface SecAggClientOptions {
  readonly clientId: string;
  /**
   * Source of key material, seeds, nonces and the stochastic rounding's seed. @default node:crypto randomBytes (use a
   * CSPRNG outside tests)
   */
  readonly randomBytes?: (n: number) => Uint8Array;
}

type Stage = 'new' | 'advertised' | 'shared' | 'prepared' | 'masked' | 'done';

/**
 * The client side of one SecAgg+ round: one method per stage, each taking the coordinator's message and returning the
 * reply. I/O-free; stages must come in order, each once. Secrets (private keys, b_u, held shares) never leave it except
 * as the shares the unmask stage asks for, and never both secrets of one client.
 * @see Bonawitz et al., CCS 2017, §4 Fig. 4 (User side, rounds 0–4); Bell et al., CCS 2020, §3 (neighbours only);
 *   Flower `secaggplus_mod.py`
 */
export class SecAggClient {
  readonly clientId: string;
  private readonly randomBytes: (n: number) => Uint8Array;
  private stage: Stage = 'new';
  private ref: RoundRef = { runId: '', round: -1 };
  private params!: RoundSecAggParams;
  private vectorLength = 0;
  private neighbours: ReadonlySet<string> = new Set();
  private encryptionKeys!: X25519KeyPair;
  private maskKeys!: X25519KeyPair;
  private selfSeed!: Uint8Array;
  /** Neighbours' keys from the share-keys request. */
  private peerKeys = new Map<string, AdvertisedKeys>();
  /** Pairwise keys already agreed this round, by purpose and peer (see pairKey). */
  private readonly pairKeys = new Map<string, Uint8Array>();
  /** M_u, built by maskSteps (from the masked-input request on). */
  private mask = new Uint32Array(0);
  private maskSteps: Iterator<void> = [].values();
  /** Shares held per owner (this client included), from the masked-input stage on. */
  private held = new Map<string, SharePair>();

  constructor(options: SecAggClientOptions) {
    this.clientId = options.clientId;
    this.randomBytes = options.randomBytes ?? ((n) => new Uint8Array(cryptoRandomBytes(n)));
  }

  private expectStage(stage: Stage, what: string): void {
    if (this.stage !== stage)
      throw new SecAggProtocolError(`${this.clientId}: ${what} arrived in stage '${this.stage}'`, {
        clientId: this.clientId,
        field: 'stage',
      });
  }

  /**
   * Stage 0 → 1: takes the round's parameters, computes its neighbourhood, draws two X25519 key pairs.
   * @throws {SecAggProtocolError} when the parameters are unsafe (checkRoundParams), this client is not among the
   *   setup's clients, or the stage is wrong.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Round 0 (AdvertiseKeys)
   */
  setup(msg: SecAggSetup): KeyAdvertisement {
    checkRoundParams(msg.params, msg.clientIds.length);
    if (!Number.isInteger(msg.vectorLength) || msg.vectorLength < 0)
      throw new SecAggProtocolError(`vectorLength ${msg.vectorLength} is not a count`, { field: 'vectorLength' });
    const graph = neighbourhoods(msg.clientIds, msg.params.numShares, msg.graphSeed);
    const mine = graph.get(this.clientId);
    if (!mine)
      throw new SecAggProtocolError(`${this.clientId} is not among the round's clients`, {
        clientId: this.clientId,
        field: 'clientIds',
      });
    this.expectStage('new', 'setup');
    this.stage = 'advertised';
    this.ref = { runId: msg.runId, round: msg.round };
    this.params = msg.params;
    this.vectorLength = msg.vectorLength;
    this.neighbours = new Set(mine);
    this.encryptionKeys = keyPairFromPrivate(this.randomBytes(KEY_BYTES));
    this.maskKeys = keyPairFromPrivate(this.randomBytes(KEY_BYTES));
    return {
      clientId: this.clientId,
      round: msg.round,
      encryptionPublicKey: this.encryptionKeys.publicKey,
      maskPublicKey: this.maskKeys.publicKey,
    };
  }

  /**
   * Stage 2: draws the self-mask seed b_u, Shamir-splits b_u and s_u^SK into numShares shares (keeping one of each)
   * and encrypts one pair for each neighbour that advertised keys.
   * @throws {SecAggProtocolError} (clientId = this client) on a wrong round, an id outside the neighbourhood, a
   *   duplicate, a key of the wrong length or a key seen twice; on a low-order key it names that neighbour.
   * @throws {SecAggThresholdError} when fewer than threshold − 1 neighbours advertised.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Round 1 (ShareKeys); Bell et al., CCS 2020, §3.2
   */
  async shareKeys(req: ShareKeysRequest): Promise<ShareKeysResponse> {
    const me = this.clientId;
    this.expectStage('advertised', 'share-keys request');
    expectRound(req.round, this.ref.round, me);
    const ids = req.keys.map((k) => k.clientId);
    expectIdsWithin(ids, this.neighbours, me, 'keys');
    const seen = new Set([hex(this.encryptionKeys.publicKey), hex(this.maskKeys.publicKey)]);
    for (const k of req.keys) {
      expectBytes(k.encryptionPublicKey, KEY_BYTES, me, 'encryptionPublicKey');
      expectBytes(k.maskPublicKey, KEY_BYTES, me, 'maskPublicKey');
      for (const key of [hex(k.encryptionPublicKey), hex(k.maskPublicKey)]) {
        if (seen.has(key))
          throw new SecAggProtocolError(`${k.clientId}'s public key appears twice`, {
            clientId: k.clientId,
            field: 'keys',
          });
        seen.add(key);
      }
    }
    this.needThreshold(req.keys.length + 1, 'neighbours advertised keys');
    const peers = [...req.keys].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
    peers.forEach((peer) => this.peerKeys.set(peer.clientId, peer));
    const keys = peers.map((peer) => this.pairKey('share-encryption', peer.clientId));
    this.stage = 'shared';
    const { numShares, threshold } = this.params;
    this.selfSeed = this.randomBytes(KEY_BYTES);
    const seedShares = await splitSecret(this.selfSeed, numShares, threshold);
    const keyShares = await splitSecret(this.maskKeys.privateKey, numShares, threshold);
    this.held.set(me, { seedShare: seedShares[0]!, keyShare: keyShares[0]! });
    const shares = peers.map((peer, i) => {
      const pair = { seedShare: seedShares[i + 1]!, keyShare: keyShares[i + 1]! };
      const ciphertext = encryptSharePair(keys[i]!, this.ref, me, peer.clientId, pair, this.randomBytes(NONCE_BYTES));
      return { from: me, to: peer.clientId, ciphertext };
    });
    return { clientId: me, round: this.ref.round, shares };
  }

  /**
   * Stage 3, first half: checks the masked-input request, decrypts the shares addressed to this client and returns the
   * steps that build its total mask M_u = PRG(b_u) + Σ_v Δ_{u,v}·PRG(s_{u,v}) mod M over the neighbours v whose shares
   * arrived, one block per step. The mask does not depend on the update, so a site can run the steps while it trains;
   * maskInput runs whatever steps are left.
   * @throws {ShareDecryptionError} naming the sender of a share that fails authentication.
   * @throws {SecAggProtocolError} on a wrong round, a share from outside its share-keys peers, a duplicate, or a share
   *   not addressed to it.
   * @throws {SecAggThresholdError} when fewer than threshold − 1 neighbours sent shares.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Round 2 (MaskedInputCollection)
   */
  prepareMask(req: MaskedInputRequest): Iterator<void> {
    const me = this.clientId;
    this.expectStage('shared', 'masked-input request');
    expectRound(req.round, this.ref.round, me);
    expectIdsWithin(
      req.shares.map((s) => s.from),
      new Set(this.peerKeys.keys()),
      me,
      'shares',
    );
    const received = new Map<string, SharePair>();
    for (const s of req.shares) {
      if (s.to !== me)
        throw new SecAggProtocolError(`share from ${s.from} is addressed to ${s.to}, not ${me}`, {
          clientId: s.from,
          field: 'to',
        });
      received.set(
        s.from,
        decryptSharePair(this.pairKey('share-encryption', s.from), this.ref, s.from, me, s.ciphertext),
      );
    }
    this.needThreshold(received.size + 1, 'neighbours sent shares');
    const pairwise = [...received.keys()].map((peerId) => ({
      seed: this.pairKey('pairwise-mask', peerId),
      sign: pairwiseSign(me, peerId),
    }));
    this.stage = 'prepared';
    for (const [owner, pair] of received) this.held.set(owner, pair);
    this.mask = new Uint32Array(this.vectorLength + 1);
    this.maskSteps = maskSteps(this.mask, [{ seed: this.selfSeed, sign: 1 }, ...pairwise], this.params.modulus);
    return this.maskSteps;
  }

  /**
   * Stage 3, second half: y_u = encode(x_u) + M_u mod M, the mask finished first (prepareMask's remaining steps).
   * @param update this client's values, L = setup.vectorLength (model units).
   * @param numExamples nₖ (example count, or effective count Σw), for the weight rₖ.
   * @throws {SecAggProtocolError} before prepareMask, or on an update of the wrong length.
   * @throws {InvalidUpdateError} on a non-finite value.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Round 2 (MaskedInputCollection)
   */
  maskInput(update: ArrayLike<number>, numExamples: number): MaskedInput {
    const me = this.clientId;
    this.expectStage('prepared', 'update to mask');
    if (update.length !== this.vectorLength)
      throw new SecAggProtocolError(
        `${me}: update has ${update.length} values, the round expects ${this.vectorLength}`,
        {
          clientId: me,
          field: 'update',
        },
      );
    while (!this.maskSteps.next().done);
    const masked = encodeWeightedInput(update, numExamples, this.params, this.randomBytes(KEY_BYTES));
    addModInPlace(masked, this.mask, this.params.modulus);
    this.stage = 'masked';
    return { clientId: me, round: this.ref.round, masked };
  }

  /**
   * Stage 4: reveals b-shares of the survivors and s^SK-shares of the dropped — after checking the request cannot
   * unmask anyone: the two sets are disjoint, this client is not called dropped, at least `threshold` survive. Answers
   * once per round.
   * @throws {SecAggConsistencyError} (clientId = the offending id, or this client) when the check fails.
   * @throws {SecAggProtocolError} on a wrong round, a duplicate, or an owner whose shares it does not hold.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Rounds 3–4 (ConsistencyCheck, Unmasking)
   */
  unmask(req: UnmaskRequest): UnmaskResponse {
    const me = this.clientId;
    this.expectStage('masked', 'unmask request');
    expectRound(req.round, this.ref.round, me);
    const survivors = new Set(req.survivors);
    const both = req.dropped.find((id) => survivors.has(id));
    if (both !== undefined)
      throw new SecAggConsistencyError(
        `${me} refuses to unmask: ${both} is listed both as survivor and as dropped, which would reveal its input`,
        { clientId: both, round: this.ref.round },
      );
    if (req.dropped.includes(me))
      throw new SecAggConsistencyError(`${me} refuses to unmask: it is listed as dropped`, { clientId: me });
    if (survivors.size < this.params.threshold)
      throw new SecAggConsistencyError(
        `${me} refuses to unmask: ${survivors.size} survivors, threshold ${this.params.threshold}`,
        { clientId: me },
      );
    const holders = new Set(this.held.keys());
    expectIdsWithin(req.survivors, holders, me, 'survivors');
    expectIdsWithin(req.dropped, holders, me, 'dropped');
    this.stage = 'done';
    return {
      clientId: me,
      round: this.ref.round,
      seedShares: req.survivors.map((owner) => ({ owner, share: this.held.get(owner)!.seedShare })),
      keyShares: req.dropped.map((owner) => ({ owner, share: this.held.get(owner)!.keyShare })),
    };
  }

  /**
   * The key this client shares with a neighbour for `purpose` (its share-keys peers only), agreed once per round: the
   * share-encryption key encrypts in stage 2 and decrypts in stage 3.
   */
  private pairKey(purpose: PairwisePurpose, peerId: string): Uint8Array {
    const cacheKey = `${purpose}\u0000${peerId}`;
    const known = this.pairKeys.get(cacheKey);
    if (known) return known;
    const peer = this.peerKeys.get(peerId)!;
    const [own, theirs] =
      purpose === 'share-encryption'
        ? [this.encryptionKeys, peer.encryptionPublicKey]
        : [this.maskKeys, peer.maskPublicKey];
    const key = derivePairwiseKey(purpose, this.ref, this.clientId, own.privateKey, peerId, theirs);
    this.pairKeys.set(cacheKey, key);
    return key;
  }

  private needThreshold(count: number, what: string): void {
    if (count < this.params.threshold)
      throw new SecAggThresholdError(
        `${this.clientId}: only ${count} of its neighbourhood (itself included) ${what}, threshold ${this.params.threshold}`,
        { clientId: this.clientId, round: this.ref.round },
      );
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
