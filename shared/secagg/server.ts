import type { RoundRef } from './binding.js';
import { expectAllOf, expectBytes, expectIdsWithin, expectRound } from './checks.js';
import { RoundClosedError, SecAggProtocolError } from '../errors/index.js';
import { neighbourhoods } from './graph.js';
import { KEY_BYTES } from './key-agreement.js';
import type {
  AdvertisedKeys,
  EncryptedShare,
  KeyAdvertisement,
  MaskedInput,
  MaskedInputRequest,
  SecAggResult,
  SecAggSetup,
  ShareKeysRequest,
  ShareKeysResponse,
  UnmaskRequest,
  UnmaskResponse,
} from './messages.js';
import { addModInPlace, firstOutOfRange } from './modular.js';
import { resolveRoundParams, type RoundSecAggParams, type SecAggParams } from './params.js';
import { ENCRYPTED_SHARE_BYTES, SHARE_BYTES } from './share-encryption.js';
import { requireHolders, requireStageSurvivors, liveNeighbours } from './thresholds.js';
import { sharesByOwner, unmaskSum } from './unmasking.js';
import { decodeWeightedSum } from './weighting.js';

/** The inputs of one SecAgg+ round on the coordinator. */
export interface SecAggServerOptions {
  readonly runId: string;
  readonly round: number;
  /** Clients selected for the round (distinct). */
  readonly clientIds: readonly string[];
  /** Validated settings (validateSecAggSettings); counts are resolved against clientIds.length. */
  readonly settings: SecAggParams;
  /** Public seed of the neighbourhood graph. */
  readonly graphSeed: number;
  /** L, values per client update. */
  readonly vectorLength: number;
}

type Stage = 'keys' | 'shares' | 'masked' | 'unmask' | 'done' | 'failed';

/**
 * The coordinator side of one SecAgg+ round, I/O-free. Each stage collects client messages as they arrive
 * (`receive…`, which validates one message and either keeps it or throws naming its sender, keeping nothing) and is
 * closed at its deadline (`close…`, which checks the threshold and returns the next stage's message per client).
 * The coordinator only ever holds masked vectors, encrypted shares, and for each client either its self-mask seed or
 * its mask key — never both — so it learns the sum alone.
 * @see Bonawitz et al., CCS 2017, Fig. 4 (Server side); Bell et al., CCS 2020, §3; Flower `SecAggPlusWorkflow`
 */
export class SecAggServer {
  readonly ref: RoundRef;
  readonly params: RoundSecAggParams;
  /** Client → neighbours (itself excluded). */
  readonly graph: ReadonlyMap<string, readonly string[]>;
  private readonly options: SecAggServerOptions;
  private stage: Stage = 'keys';
  private readonly keys = new Map<string, AdvertisedKeys>();
  private readonly seenKeys = new Set<string>();
  private readonly sharesFrom = new Map<string, readonly EncryptedShare[]>();
  private readonly masked = new Set<string>();
  private readonly sum: Uint32Array;
  private readonly unmaskRequests = new Map<string, UnmaskRequest>();
  private readonly unmaskReplies = new Map<string, UnmaskResponse>();

  /**
   * @throws {ConfigError} when the settings cannot run with this many clients (resolveRoundParams).
   * @throws {SecAggProtocolError} (field 'clientIds') on duplicate client ids.
   */
  constructor(options: SecAggServerOptions) {
    this.options = options;
    this.ref = { runId: options.runId, round: options.round };
    this.params = resolveRoundParams(options.settings, options.clientIds.length);
    this.graph = neighbourhoods(options.clientIds, this.params.numShares, options.graphSeed);
    this.sum = new Uint32Array(options.vectorLength + 1);
  }

  /** Which stage accepts messages now. */
  get currentStage(): Stage {
    return this.stage;
  }

  /** Stage 0: the message every selected client gets. */
  setupMessage(): SecAggSetup {
    const { runId, round, clientIds, graphSeed, vectorLength } = this.options;
    return { runId, round, params: this.params, clientIds: [...clientIds], graphSeed, vectorLength };
  }

  /**
   * Stage 1: one client's public keys.
   * @throws {SecAggProtocolError} (clientId = sender) on a wrong round, an unselected id, a duplicate message, a key
   *   that is not 32 bytes or that some client already advertised. @throws {RoundClosedError} outside stage 1.
   */
  receiveKeys(msg: KeyAdvertisement): void {
    const who = this.admit(msg, 'keys', new Set(this.graph.keys()), this.keys);
    expectBytes(msg.encryptionPublicKey, KEY_BYTES, who, 'encryptionPublicKey');
    expectBytes(msg.maskPublicKey, KEY_BYTES, who, 'maskPublicKey');
    const hexes = [msg.encryptionPublicKey, msg.maskPublicKey].map((k) => Buffer.from(k).toString('hex'));
    if (hexes[0] === hexes[1] || hexes.some((h) => this.seenKeys.has(h)))
      throw new SecAggProtocolError(`${who} advertised a public key already in use`, { clientId: who, field: 'keys' });
    hexes.forEach((h) => this.seenKeys.add(h));
    const { encryptionPublicKey, maskPublicKey } = msg;
    this.keys.set(who, { clientId: who, encryptionPublicKey, maskPublicKey });
  }

  /**
   * Closes stage 1: U1 = clients that advertised. Each gets its advertised neighbours' keys.
   * @throws {SecAggThresholdError} when some client of U1 has fewer than threshold − 1 advertised neighbours.
   */
  closeKeys(): ReadonlyMap<string, ShareKeysRequest> {
    const active = this.close('keys', 'shares', new Set(this.keys.keys()), 'advertised keys');
    return new Map(
      [...active].map((u) => [u, { round: this.ref.round, keys: this.live(u, active).map((v) => this.keys.get(v)!) }]),
    );
  }

  /**
   * Stage 2: one client's encrypted shares, exactly one per neighbour in its share-keys request.
   * @throws {SecAggProtocolError} (clientId = sender) on a wrong round, a sender outside U1, a duplicate message, a
   *   share from someone else, to a non-neighbour, twice to one neighbour, missing, or of the wrong length.
   */
  receiveShares(msg: ShareKeysResponse): void {
    const who = this.admit(msg, 'shares', new Set(this.keys.keys()), this.sharesFrom);
    const targets = new Set(this.live(who, new Set(this.keys.keys())));
    const tos = msg.shares.map((s) => s.to);
    expectIdsWithin(tos, targets, who, 'shares');
    expectAllOf(tos, targets, who, 'shares');
    for (const s of msg.shares) {
      if (s.from !== who)
        throw new SecAggProtocolError(`${who} sent a share marked as from ${s.from}`, { clientId: who, field: 'from' });
      expectBytes(s.ciphertext, ENCRYPTED_SHARE_BYTES, who, 'ciphertext');
    }
    this.sharesFrom.set(who, [...msg.shares]);
  }

  /**
   * Closes stage 2: U2 = clients that sent shares. Each gets the shares addressed to it by members of U2.
   * @throws {SecAggThresholdError} when some client of U2 has fewer than threshold − 1 neighbours in U2.
   */
  closeShares(): ReadonlyMap<string, MaskedInputRequest> {
    const active = this.close('shares', 'masked', new Set(this.sharesFrom.keys()), 'shared keys');
    const inbox = new Map<string, EncryptedShare[]>([...active].map((v) => [v, []]));
    for (const shares of this.sharesFrom.values()) for (const s of shares) inbox.get(s.to)?.push(s);
    return new Map([...inbox].map(([v, shares]) => [v, { round: this.ref.round, shares }]));
  }

  /**
   * Stage 3: one client's masked vector, added to the running sum at once (nothing per client is kept).
   * @throws {SecAggProtocolError} (clientId = sender) on a wrong round, a sender outside U2, a duplicate, a vector
   *   that is not a Uint32Array of L + 1 values, or a value ≥ modulus.
   */
  receiveMaskedInput(msg: MaskedInput): void {
    const who = this.admit(msg, 'masked', new Set(this.sharesFrom.keys()), this.masked);
    const want = this.options.vectorLength + 1;
    if (!(msg.masked instanceof Uint32Array) || msg.masked.length !== want)
      throw new SecAggProtocolError(`masked vector from ${who} must be ${want} Uint32 values`, {
        clientId: who,
        field: 'masked',
      });
    const bad = firstOutOfRange(msg.masked, this.params.modulus);
    if (bad >= 0)
      throw new SecAggProtocolError(`masked value ${bad} from ${who} is ≥ modulus ${this.params.modulus}`, {
        clientId: who,
        field: 'masked',
      });
    addModInPlace(this.sum, msg.masked, this.params.modulus);
    this.masked.add(who);
  }

  /**
   * Closes stage 3: U3 = clients whose masked vector arrived. Each survivor is asked for b-shares of the survivors
   * and s^SK-shares of the dropped (U2 \ U3) in its neighbourhood.
   * @throws {SecAggThresholdError} when fewer than `threshold` survive in some survivor's or dropped client's
   *   neighbourhood (its secret could not be rebuilt).
   */
  closeMaskedInputs(): ReadonlyMap<string, UnmaskRequest> {
    const survivors = this.close('masked', 'unmask', this.masked, 'sent masked input');
    for (const d of this.droppedAfterSharing())
      requireHolders(this.ref, this.params.threshold, d, this.live(d, survivors).length, 'mask key');
    for (const v of survivors) {
      const near = [v, ...this.graph.get(v)!].sort();
      const dropped = near.filter((u) => this.sharesFrom.has(u) && !survivors.has(u));
      this.unmaskRequests.set(v, { round: this.ref.round, survivors: near.filter((u) => survivors.has(u)), dropped });
    }
    return new Map(this.unmaskRequests);
  }

  /**
   * Stage 4: one survivor's revealed shares, exactly those its UnmaskRequest named.
   * @throws {SecAggProtocolError} (clientId = sender) on a wrong round, a sender outside U3, a duplicate, an owner
   *   not requested or missing, or a share of the wrong length.
   */
  receiveUnmask(msg: UnmaskResponse): void {
    const who = this.admit(msg, 'unmask', new Set(this.unmaskRequests.keys()), this.unmaskReplies);
    const req = this.unmaskRequests.get(who)!;
    for (const [list, wanted, field] of [
      [msg.seedShares, req.survivors, 'seedShares'],
      [msg.keyShares, req.dropped, 'keyShares'],
    ] as const) {
      const owners = list.map((s) => s.owner);
      expectIdsWithin(owners, new Set(wanted), who, field);
      expectAllOf(owners, new Set(wanted), who, field);
      for (const s of list) expectBytes(s.share, SHARE_BYTES, who, field);
    }
    this.unmaskReplies.set(who, msg);
  }

  /**
   * Closes stage 4: rebuilds the needed secrets, removes the masks and decodes the weighted mean.
   * @throws {SecAggThresholdError} when fewer than `threshold` shares of a needed secret arrived (nothing rebuilt).
   * @throws {SecAggProtocolError} when shares do not rebuild a key (unmaskSum). @throws {AggregationError} on total
   *   weight 0.
   */
  async finish(): Promise<SecAggResult> {
    const survivors = [...this.close('unmask', 'done', this.masked, 'sent masked input', false)].sort();
    const dropped = this.droppedAfterSharing();
    const replies = [...this.unmaskReplies.values()];
    try {
      const sum = await unmaskSum({
        ref: this.ref,
        params: this.params,
        graph: this.graph,
        sum: this.sum,
        survivors,
        dropped,
        maskPublicKeys: new Map([...this.keys].map(([id, k]) => [id, k.maskPublicKey])),
        seedShares: sharesByOwner(replies.map((r) => r.seedShares)),
        keyShares: sharesByOwner(replies.map((r) => r.keyShares)),
      });
      const absent = [...this.graph.keys()].filter((id) => !this.sharesFrom.has(id)).sort();
      return { ...decodeWeightedSum(sum, survivors.length, this.params), survivors, dropped, absent };
    } catch (err) {
      this.stage = 'failed';
      throw err;
    }
  }

  /** Checks stage, round, sender and duplicates of one client message; returns the sender. */
  private admit(
    msg: { clientId: string; round: number },
    stage: Stage,
    allowed: ReadonlySet<string>,
    seen: { has(id: string): boolean },
  ): string {
    const who = msg.clientId;
    if (this.stage !== stage)
      throw new RoundClosedError(`SecAgg+ message from ${who} for stage '${stage}' arrived in stage '${this.stage}'`, {
        clientId: who,
        round: this.ref.round,
      });
    expectRound(msg.round, this.ref.round, who);
    if (!allowed.has(who))
      throw new SecAggProtocolError(`${who} is not expected in SecAgg+ stage '${stage}'`, {
        clientId: who,
        field: 'clientId',
      });
    if (seen.has(who))
      throw new SecAggProtocolError(`${who} already sent its '${stage}' message`, { clientId: who, field: 'clientId' });
    return who;
  }

  /** Ends a stage: checks the survival rule (thresholds.ts) unless `check` is false, then moves to `to`. */
  private close(from: Stage, to: Stage, active: ReadonlySet<string>, what: string, check = true): ReadonlySet<string> {
    if (this.stage !== from)
      throw new RoundClosedError(`SecAgg+ stage '${from}' cannot close in stage '${this.stage}'`, {
        round: this.ref.round,
      });
    this.stage = 'failed';
    if (check) requireStageSurvivors(this.ref, this.params.threshold, this.graph, active, what);
    this.stage = to;
    return new Set(active);
  }

  private live(u: string, active: ReadonlySet<string>): string[] {
    return liveNeighbours(this.graph, u, active);
  }

  private droppedAfterSharing(): string[] {
    return [...this.sharesFrom.keys()].filter((id) => !this.masked.has(id)).sort();
  }
}
