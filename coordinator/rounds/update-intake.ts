import {
  foldDecoded,
  forEachDecodedBlock,
  formatCodecSpec,
  type CodecSpec,
  viewAsFloat32,
  type ModelWeights,
} from '../../shared/codec/index.js';
import { InvalidUpdateError, UpdateNormError, type RoundClosedError } from '../../shared/errors/index.js';
import type { UpdateHeader } from '../../shared/proto/index.js';
import type { UpdateValues } from '../strategies/index.js';
import { checkUpdateHeader, type InputSender, type UpdateEncoding } from './header-checks.js';
import { updateValueCheck, type UpdateValueCheck } from './intake-checks.js';

/**
 * Receives the bytes of one update whose header the open round accepted. A transport (the gRPC upload, the
 * simulation's in-process clients) calls buffer() once, received() as bytes land in it, then complete() or fail().
 */
export interface UpdateReceiver {
  /** Declared size of the update (bytes). */
  readonly expectedBytes: number;
  /** The update's codec as a run config names it (`none`, `int8`, `topk:0.05+int8`…), for byte counts. */
  readonly codec: string;
  /** True when this (client, round) update was already accepted with the same hash: ack without reading it again. */
  readonly alreadyAccepted: boolean;
  /**
   * A buffer of expectedBytes, 4-byte aligned, to assemble the update in (pooled by the round).
   * @throws {RoundClosedError} once the round closed (an upload let in by the upload gate as its round closed).
   */
  buffer(): Uint8Array;
  /**
   * The first `bytes` bytes of buffer() are in place: checks the values they complete while they are in cache.
   * @throws {InvalidUpdateError} on a non-finite value (the client then fails the round).
   */
  received(bytes: number): void;
  /**
   * Finishes the value checks and folds the complete update (the bytes of buffer(), hash-checked by the transport).
   * An alreadyAccepted receiver folds nothing: it only compares `sha256` with the accepted update's (a re-send whose
   * digest came after its bytes, read only to learn it; `bytes` is then empty).
   * @param sha256 hex SHA-256 of the update, checked against its bytes by the transport: its header's, or its trailer's.
   * @returns false when an identical update of the client was folded while this one arrived (nothing folded again).
   * @throws {RoundClosedError} | {InvalidUpdateError} on a non-finite value | {UpdateNormError} past maxUpdateNorm
   *         (either fails the client for the round) | {DuplicateUpdateError} when a different update of the client
   *         was folded while this one arrived.
   */
  complete(bytes: Uint8Array, sha256: string): boolean;
  /** The update is malformed (bad digest, values refused): the client fails this round. */
  fail(reason: string): void;
  /**
   * The transport lost the update before its end (stream cancelled, connection dropped): nothing is held against the
   * client yet, as it may send the update again while the attempt is open; if it never does, it fails the attempt at
   * its deadline with this reason.
   */
  interrupted(reason: string): void;
  /**
   * Calls `refuse` (on a microtask; it must not throw) with the error to answer the upload with once the round stops
   * accepting updates (deadline, every client answered, run stopped), so an upload still running then ends and gives
   * back its memory at once. @returns unsubscribe, to call when the upload ends.
   */
  onRoundClosed(refuse: (err: RoundClosedError) => void): () => void;
}

/** The side of an open round an update's receiver works with (OpenRound implements it). */
export interface IntakeRound {
  readonly isOpen: boolean;
  /** The error an update gets once the round stopped accepting updates. */
  closedError(clientId: string): RoundClosedError;
  /** The round's global model, [parameters] float32 (a compressed update's delta is added to it). */
  readonly global: ModelWeights;
  /** A 4-byte aligned buffer of at least `bytes` bytes to receive one update into (pooled). */
  receiveBuffer(bytes: number): Uint8Array;
  /**
   * Folds an update whose values passed every check; false when an identical one of the client was folded already.
   * @param bytes the buffer receiveBuffer gave, holding the update's encoded bytes (given back to the pool).
   * @param updateNorm ‖x − global‖₂ when the value check measured it (FitResult.updateNorm).
   */
  fold(h: UpdateHeader, bytes: Uint8Array, values: UpdateValues, updateNorm?: number): boolean;
  /** Fails the client for the round (unless the upload came from an earlier attempt), with the reason logged. */
  reject(clientId: string, reason: string, fromAttempt: number): void;
  /** The client's upload broke off: the reason it fails with at the deadline unless a later upload gets in. */
  interrupted(clientId: string, reason: string): void;
  /** Calls `listener` once after the round closed. @returns unsubscribe. */
  onClose(listener: () => void): () => void;
}

/** What every upload's receiver asks of its round: fail the client, note a broken upload, learn of the close. */
export type UploadRound = Pick<IntakeRound, 'closedError' | 'reject' | 'interrupted' | 'onClose'>;

/** The part of an upload's receiver every kind shares: a refused or broken upload, and the round's close. */
export abstract class RoundUpload<R extends UploadRound> {
  constructor(
    protected readonly round: R,
    protected readonly header: UpdateHeader,
  ) {}

  fail(reason: string): void {
    this.round.reject(this.header.clientId, reason, this.header.attempt ?? 0);
  }

  interrupted(reason: string): void {
    this.round.interrupted(this.header.clientId, reason);
  }

  onRoundClosed(refuse: (err: RoundClosedError) => void): () => void {
    const { round } = this;
    const clientId = this.header.clientId;
    return round.onClose(() => refuse(round.closedError(clientId)));
  }
}

/** The receiver OpenRound.receive hands out: one update's way from its accepted header to the accumulator. */
export class UpdateIntake extends RoundUpload<IntakeRound> implements UpdateReceiver {
  readonly alreadyAccepted: boolean = false;
  /** The buffer the update is received into (receiveBuffer's, possibly longer than the update). */
  private pooled: Uint8Array | undefined;

  constructor(
    round: IntakeRound,
    header: UpdateHeader,
    private readonly encoding: UpdateEncoding,
    private readonly check: UpdateValueCheck,
  ) {
    super(round, header);
  }

  /**
   * The receiver of an idempotent re-send: acknowledged, nothing received or folded. A re-send whose digest follows
   * its bytes (header sha256 "") is compared once the transport has read its digest: `delivered(sha256)` is true for
   * the accepted update's and throws {DuplicateUpdateError} for another.
   */
  static alreadyAccepted(h: UpdateHeader, delivered: (sha256: string) => boolean): UpdateReceiver {
    const refuse = (): never => {
      throw new Error(`update of client ${h.clientId} was already accepted: nothing to receive`);
    };
    return {
      expectedBytes: h.totalBytes,
      codec: '',
      alreadyAccepted: true,
      buffer: refuse,
      received: refuse,
      complete: (_bytes, sha256) => !delivered(sha256),
      fail: () => undefined,
      interrupted: () => undefined,
      onRoundClosed: () => () => undefined,
    };
  }

  get expectedBytes(): number {
    return this.header.totalBytes;
  }

  get codec(): string {
    return formatCodecSpec(this.encoding.codec);
  }

  buffer(): Uint8Array {
    if (!this.round.isOpen) throw this.round.closedError(this.header.clientId);
    this.pooled = this.round.receiveBuffer(this.expectedBytes);
    return this.pooled.subarray(0, this.expectedBytes);
  }

  received(bytes: number): void {
    if (this.pooled) this.refusing(() => this.check.scan(this.pooled!, bytes));
  }

  complete(bytes: Uint8Array, sha256: string): boolean {
    if (!this.round.isOpen) throw this.round.closedError(this.header.clientId);
    this.refusing(() => this.check.finish(bytes));
    const values = this.valuesOf(bytes);
    return this.round.fold({ ...this.header, sha256 }, this.pooled ?? bytes, values, this.check.updateNorm);
  }

  /**
   * The update's values as the accumulator folds them: a float32 view of the bytes (codec none), or blocks decoded
   * from the compressed bytes as they are folded (x = global + δ̂; never a model-sized copy).
   */
  private valuesOf(bytes: Uint8Array): UpdateValues {
    const { codec, nonzeros } = this.encoding;
    if (codec.kind === 'none') return viewAsFloat32(bytes);
    const global = this.round.global.values;
    return {
      length: global.length,
      forEachBlock: (fn) => forEachDecodedBlock(codec, bytes, global.length, nonzeros, global, fn),
      foldInto: (mean, r) => foldDecoded(codec, bytes, global.length, nonzeros, global, mean, r),
    };
  }

  /** Runs a value check; an update it refuses fails its client for the round here, whatever the transport. */
  private refusing(check: () => void): void {
    try {
      check();
    } catch (err) {
      if (err instanceof InvalidUpdateError || err instanceof UpdateNormError) this.fail(err.message);
      throw err;
    }
  }
}

/**
 * A plain (unmasked) upload's header → its UpdateIntake, once checkUpdateHeader passed (a refused header fails the
 * client, see OpenRound.reject); its values are checked as they arrive (updateValueCheck: finite, within
 * maxUpdateNorm, the norm measured when asked).
 * @throws {InvalidUpdateError} see checkUpdateHeader
 */
export function receivePlain(
  round: IntakeRound,
  h: UpdateHeader,
  expected: {
    round: number;
    codec: CodecSpec;
    /** What the client declared at Join (a site's examples, or that it is an aggregator). */
    sender: (clientId: string) => InputSender;
    maxUpdateNorm: number | null;
    measureUpdateNorms?: boolean;
  },
): UpdateReceiver {
  let encoding: UpdateEncoding;
  try {
    encoding = checkUpdateHeader(h, {
      round: expected.round,
      specs: round.global.specs,
      codec: expected.codec,
      sender: expected.sender(h.clientId),
    });
  } catch (err) {
    if (err instanceof InvalidUpdateError) round.reject(h.clientId, err.message, h.attempt ?? 0);
    throw err;
  }
  const { maxUpdateNorm, measureUpdateNorms } = expected;
  const ctx = { clientId: h.clientId, round: expected.round };
  const check = updateValueCheck(encoding, round.global.values, maxUpdateNorm, ctx, measureUpdateNorms);
  return new UpdateIntake(round, h, encoding, check);
}
