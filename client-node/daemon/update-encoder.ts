import { encodeUpdateLazily, type ModelWeights } from '../../shared/codec/index.js';
import { InvalidRequestError } from '../../shared/errors/index.js';
import { codecFromWire, codecToWire, type RoundAnnouncement, type WireUpdateCodec } from '../../shared/proto/index.js';
import { secureRandomBytes, type RandomBytes } from '../../shared/privacy/index.js';
import { privatizeUpdate } from './local-privacy.js';

/** An update encoded for the round that announced it, ready to submit; `delivered` once the coordinator took it. */
export interface EncodedUpdate {
  /** The bytes to send (UpdateToSubmit.payload), written as `encodeTo` asks for them. */
  payload: Uint8Array;
  /** Writes payload[0, end) if not yet written (UpdateToSubmit.encodeTo). @throws {RangeError} as `encode`. */
  encodeTo(end: number): void;
  /** The codec as the update header states it (with the top-k entry count). */
  codec: WireUpdateCodec;
  /**
   * The coordinator acknowledged the update: the top-k residual of this encoding becomes the one the site's next
   * update of the run starts from. Until then (or if it never is), the residual before it stays.
   */
  delivered(): void;
}

/**
 * A site's encoding of its updates with each round's announced codec (FitConfig.update_codec), keeping the error
 * feedback of top-k per run: what an update did not send is added to the site's next update of that run
 * (Stich, Cordonnier & Jaggi 2018, "Sparsified SGD with Memory", Alg. 1: e_{t+1} = a_t − C(a_t), a_t = δ_t + e_t).
 * The residual lives in the daemon's memory (a restarted daemon starts from zero). Memory: one model-sized float32
 * vector per run that uses top-k.
 */
export class UpdateEncoder {
  private readonly residuals = new Map<string, Float32Array>();

  /** @param random the noise source of local differential privacy. @default secureRandomBytes (node:crypto) */
  constructor(private readonly random: RandomBytes = secureRandomBytes) {}

  /**
   * Encodes the trained weights for the round `a` announced: top-k at once, the dense codecs chunk by chunk as the
   * upload asks for their bytes (`encodeTo`; `trained` and `global` must not change until the upload is done). With
   * local differential privacy announced (FitConfig.local_privacy), the delta is clipped and noised first
   * (privatizeUpdate, one model-sized copy).
   * @param trained the locally trained weights, [parameters] float32.
   * @param global the round's global model as this site decoded it (the delta's reference), same length.
   * @throws {InvalidRequestError} when the announcement names a codec this build cannot encode, or local privacy
   *         settings out of range; {RangeError} (here
   *         or from encodeTo) when a value cannot be encoded (non-finite, or beyond the binary16 range with fp16).
   */
  encode(a: RoundAnnouncement, trained: ModelWeights, global: ModelWeights): EncodedUpdate {
    const spec = codecFromWire(a.fit.updateCodec);
    if (typeof spec === 'string') throw new InvalidRequestError(`round ${a.round} announces ${spec}`);
    const residual = spec.kind === 'topk' ? this.residuals.get(a.runId) : undefined;
    const local = a.fit.localPrivacy;
    const values = local ? privatizeUpdate(trained.values, global.values, local, this.random) : trained.values;
    const encoded = encodeUpdateLazily(spec, values, global.values, residual?.slice());
    return {
      payload: encoded.bytes,
      encodeTo: encoded.encodeTo,
      codec: codecToWire(spec, encoded.nonzeros),
      delivered: () => {
        if (encoded.residual) this.residuals.set(a.runId, encoded.residual);
      },
    };
  }

  /** Drops a finished run's residual. */
  forget(runId: string): void {
    this.residuals.delete(runId);
  }
}
