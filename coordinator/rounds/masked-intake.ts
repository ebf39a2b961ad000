import type { TensorSpec } from '../../shared/codec/index.js';
import { InvalidUpdateError, RoundClosedError, SecAggProtocolError } from '../../shared/errors/index.js';
import { SECAGG_UPDATE_CODEC, type UpdateHeader, type WireSecureAggregation } from '../../shared/proto/index.js';
import type { AttemptRound } from '../secagg/index.js';
import { checkMaskedHeader, type InputSender } from './header-checks.js';
import { RoundUpload, type UpdateReceiver, type UploadRound } from './update-intake.js';

/**
 * Stage 3 of a SecAgg+ attempt as the open round sees it: where masked vectors go instead of the strategy's
 * accumulator (coordinator/secagg implements it). Masked vectors are never decoded as floats nor checked for values
 * (they are uniform mod the modulus); the protocol layer checks their length and range.
 */
export interface MaskedIntake {
  /** FitConfig.secureAggregation of the attempt, announced with it. */
  readonly wire: WireSecureAggregation;
  /** sha256 of each masked vector taken in this attempt, by client id (its clients have answered). */
  readonly delivered: ReadonlyMap<string, string>;
  /**
   * Adds one client's masked vector (maskedVectorToBytes layout, 4(L + 1) bytes) to the attempt's sum; `h` carries
   * its plaintext metrics and example count. Keeps nothing of `bytes`.
   * @throws {SecAggProtocolError} when the client did not share keys, sent one already, or the vector is malformed;
   *   {RoundClosedError} when stage 3 is not open.
   */
  take(h: UpdateHeader, bytes: Uint8Array): void;
  /** The open round of the attempt, given once it is made: dropouts fail there; a failed attempt closes it. */
  bind(round: AttemptRound): void;
}

/** The side of an open round a masked upload works with (OpenRound implements it). */
export interface MaskedRound extends UploadRound {
  readonly round: number;
  readonly attempt: number;
  readonly isOpen: boolean;
  receiveBuffer(bytes: number): Uint8Array;
  /** Gives a receiveBuffer back to the pool unused (the upload was refused). */
  giveBack(buffer: Uint8Array): void;
  /** The masked vector was taken: counts the bytes, gives `buffer` back to the pool, closes when all answered. */
  maskedTaken(h: UpdateHeader, buffer: Uint8Array): void;
}

/**
 * The receiver of one SecAgg+ masked upload (UpdateCodec kind "secagg"): bytes into a pooled buffer, then straight
 * to the attempt's MaskedIntake once the transport checked their SHA-256.
 */
export class MaskedUpload extends RoundUpload<MaskedRound> implements UpdateReceiver {
  readonly alreadyAccepted = false;
  readonly codec = SECAGG_UPDATE_CODEC.kind;
  private pooled: Uint8Array | undefined;

  constructor(
    round: MaskedRound,
    private readonly intake: MaskedIntake,
    header: UpdateHeader,
  ) {
    super(round, header);
  }

  get expectedBytes(): number {
    return this.header.totalBytes;
  }

  buffer(): Uint8Array {
    if (!this.round.isOpen) throw this.round.closedError(this.header.clientId);
    this.pooled = this.round.receiveBuffer(this.expectedBytes);
    return this.pooled.subarray(0, this.expectedBytes);
  }

  /** Masked values are uniform mod the modulus: there is nothing to check before the end. */
  received(): void {}

  complete(bytes: Uint8Array, sha256: string): boolean {
    if (!this.round.isOpen) throw this.round.closedError(this.header.clientId);
    const h = { ...this.header, sha256 };
    try {
      this.intake.take(h, bytes);
    } catch (err) {
      if (this.pooled) this.round.giveBack(this.pooled); // the pool keeps its buffer whatever went wrong
      if (!(err instanceof SecAggProtocolError)) throw err;
      const refused = new InvalidUpdateError(err.message, { clientId: h.clientId, round: h.round, cause: err });
      this.fail(refused.message);
      throw refused;
    }
    this.round.maskedTaken(h, this.pooled ?? bytes);
    return true;
  }
}

/**
 * A SecAgg+ upload's header → its MaskedUpload, once checkMaskedHeader passed (a refused header fails the client,
 * see OpenRound.reject). A masked vector is masked for one attempt's neighbours: one for another attempt (a late
 * retry) is refused without failing the client here, whose own vector for this attempt may still come.
 * @throws {InvalidUpdateError} see checkMaskedHeader | {RoundClosedError} when `h.attempt` is not the round's attempt
 */
export function receiveMasked(
  round: MaskedRound,
  intake: MaskedIntake,
  h: UpdateHeader,
  expected: { specs: readonly TensorSpec[]; sender: (clientId: string) => InputSender },
): UpdateReceiver {
  try {
    checkMaskedHeader(h, {
      round: round.round,
      specs: expected.specs,
      sender: expected.sender(h.clientId),
    });
  } catch (err) {
    if (err instanceof InvalidUpdateError) round.reject(h.clientId, err.message, h.attempt ?? 0);
    throw err;
  }
  if (h.attempt !== round.attempt)
    throw new RoundClosedError(
      `masked update for attempt ${h.attempt ?? 0} of round ${round.round}, but attempt ${round.attempt} is open: ` +
        "a SecAgg+ masked vector only sums to its own attempt's masks",
      { clientId: h.clientId, round: round.round },
    );
  return new MaskedUpload(round, intake, h);
}
