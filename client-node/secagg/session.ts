import {
  clientStageToWire,
  secAggFromWire,
  serverStageFromWire,
  type SecAggAttemptRef,
  type SecAggClientMessage,
  type SecAggClipping,
  type SecAggServerMessage,
  type WireSecureAggregation,
} from '../../shared/proto/index.js';
import { maskedVectorToBytes, SecAggClient, SecAggProtocolError, type SecAggSetup } from '../../shared/secagg/index.js';

/** The attempt a session takes part in: what its FIT announcement says. */
export interface SecAggAttempt extends SecAggAttemptRef {
  /** The attempt's selected clients: the nodes of the neighbourhood graph. */
  readonly selectedClientIds: readonly string[];
  /** FitConfig.secure_aggregation of the attempt. */
  readonly secureAggregation: WireSecureAggregation;
}

/** A session's collaborators. */
export interface SecAggSessionOptions {
  /** This site's client id (the coordinator's JoinResponse). */
  readonly clientId: string;
  readonly attempt: SecAggAttempt;
  /** Key material, seeds, nonces and the rounding seed. @default node:crypto randomBytes (seeded only in tests) */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** What the transport does after a coordinator message. */
export type SecAggStep =
  /** Send this reply on the stream. */
  | { kind: 'reply'; message: SecAggClientMessage }
  /** The masked-input request arrived: train, then mask the update (SecAggSession.mask) and upload it. */
  | { kind: 'train' }
  /** The coordinator unmasked the sum: the session is over. */
  | { kind: 'done'; survivors: number; dropped: number };

/**
 * One site's SecAgg+ session for one attempt of a round, as wire messages: it turns each coordinator message
 * (SecAggServerMessage) into the step the transport takes, through the pure protocol layer (SecAggClient) and the wire
 * conversions. I/O-free; the transport (playSecAggSession) carries the messages, trains and uploads. Every attempt is
 * a fresh session: new keys, nothing of an earlier attempt.
 * @see Bonawitz et al., CCS 2017, §4 Fig. 4 (User side); Bell et al., CCS 2020, §3; proto SecureAggregation
 */
export class SecAggSession {
  readonly ref: SecAggAttemptRef;
  /** What central DP asks of the delta (clipping norm, equal weights). */
  readonly clipping: SecAggClipping;
  /** The round's maxWeight: the example count at which a site's weight saturates. */
  readonly maxWeight: number;
  private readonly setupMessage: SecAggSetup;
  private readonly client: SecAggClient;
  private steps: Iterator<void> | undefined;
  /** Whether this site answered the unmask request: only then may `done` come. */
  private unmaskAnswered = false;

  constructor(options: SecAggSessionOptions) {
    const { runId, round, attempt, selectedClientIds, secureAggregation } = options.attempt;
    this.ref = { runId, round, attempt };
    const { setup, clipping } = secAggFromWire({ runId, round, selectedClientIds }, secureAggregation);
    this.setupMessage = setup;
    this.clipping = clipping;
    this.maxWeight = setup.params.maxWeight;
    this.client = new SecAggClient({ clientId: options.clientId, randomBytes: options.randomBytes });
  }

  /**
   * Stage 1: checks the announced parameters and advertises this site's two public keys.
   * @throws {SecAggProtocolError} when the parameters are unsafe or malformed (checkRoundParams, a clipping norm that
   *   is negative or not finite), or this site is not among the selected clients.
   */
  advertise(): SecAggClientMessage {
    const { clippingNorm } = this.clipping;
    if (!(clippingNorm >= 0) || !Number.isFinite(clippingNorm))
      throw new SecAggProtocolError(`SecAgg+ clipping norm ${clippingNorm} from the coordinator is not ≥ 0`, {
        field: 'clippingNorm',
      });
    return clientStageToWire(this.ref, { stage: 'keys', message: this.client.setup(this.setupMessage) });
  }

  /**
   * The steps that build this site's mask (SecAggClient.prepareMask), from the masked-input request on: the transport
   * runs them while the site trains, and mask() runs whatever is left.
   */
  get maskSteps(): Iterator<void> | undefined {
    return this.steps;
  }

  /**
   * The step after one coordinator message: the encrypted shares after the neighbours' keys (stage 2), training after
   * the masked-input request (stage 3: its shares are decrypted and checked, the mask's steps prepared), the revealed
   * shares after the unmask request
   * (stage 4), the end after `done` (accepted only after this site's unmask reply, hence after its upload).
   * @throws {SecAggProtocolError} on a message with no stage, out of order (`done` before the unmask reply
   *   included), or malformed (SecAggClient's checks), or a share not addressed to this site; {ShareDecryptionError}
   *   naming a share's sender when it fails to authenticate; {SecAggThresholdError} when too few neighbours take part; {SecAggConsistencyError} on an unmask request that
   *   could reveal one site's input. The session is unusable after a throw: the site leaves the attempt.
   */
  async handle(m: SecAggServerMessage): Promise<SecAggStep> {
    const s = serverStageFromWire(this.ref.round, m);
    switch (s?.stage) {
      case 'shareKeys': {
        const message = await this.client.shareKeys(s.message);
        return { kind: 'reply', message: clientStageToWire(this.ref, { stage: 'shares', message }) };
      }
      case 'maskedInput':
        if (this.steps) throw outOfOrder('a second masked-input request');
        this.steps = this.client.prepareMask(s.message);
        return { kind: 'train' };
      case 'unmask': {
        const message = this.client.unmask(s.message);
        this.unmaskAnswered = true;
        return { kind: 'reply', message: clientStageToWire(this.ref, { stage: 'unmask', message }) };
      }
      case 'done':
        // Before its unmask reply the site's update cannot be in an unmasked sum: the coordinator is out of step.
        if (!this.unmaskAnswered) throw outOfOrder("'done' before this site's unmask reply");
        return { kind: 'done', ...s.message };
      case undefined:
        throw new SecAggProtocolError('a SecAgg+ message from the coordinator holds no stage', { field: 'stage' });
    }
  }

  /**
   * Stage 3: masks this site's update for the masked-input request `handle` took, as the bytes SubmitUpdate sends
   * (UpdateCodec kind "secagg": L + 1 uint32 little-endian values, 4(L + 1) bytes).
   * @param update the site's delta (secAggDelta), L = the announced vectorLength values (model units).
   * @param numExamples nₖ for the weight rₖ = min(nₖ, maxWeight)/maxWeight (secAggExamples).
   * @throws {SecAggProtocolError} before the masked-input request, or on an update of the wrong length;
   *   {InvalidUpdateError} on a non-finite value.
   * @see Bonawitz et al., CCS 2017, Fig. 4 Round 2 (MaskedInputCollection)
   */
  mask(update: ArrayLike<number>, numExamples: number): Uint8Array {
    if (!this.steps) throw outOfOrder('an update to mask before the masked-input request');
    return maskedVectorToBytes(this.client.maskInput(update, numExamples).masked);
  }
}

function outOfOrder(what: string): SecAggProtocolError {
  return new SecAggProtocolError(`SecAgg+ session: ${what}`, { field: 'stage' });
}
