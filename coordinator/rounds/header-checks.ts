import {
  assertSameSpecs,
  encodedByteRange,
  formatCodecSpec,
  maxNonzeros,
  totalElements,
  type CodecSpec,
  type TensorSpec,
} from '../../shared/codec/index.js';
import { isReservedUpdateMetric } from '../../shared/contract/index.js';
import { InvalidUpdateError } from '../../shared/errors/index.js';
import {
  codecFromWire,
  sameCodec,
  SECAGG_UPDATE_CODEC,
  specsFromWire,
  type ClientCapabilities,
  type UpdateHeader,
} from '../../shared/proto/index.js';
import { checkSubFleet } from './sub-fleet-checks.js';

/**
 * The checks of an update's header, before its bytes are read (see intake-checks.ts for the values and evaluations):
 * tensor specs, codec and size, examples, metric names, and what an aggregator's update stands for.
 */

/** Who sends an update or evaluation, as it joined: a data site with the examples it declared, or an aggregator. */
export type InputSender = Pick<ClientCapabilities, 'numExamples' | 'aggregator'>;

/** What an update of the open round must match. */
export interface UpdateExpectation {
  /** The round (1-based), for error context. */
  round: number;
  /** Tensor specs of the round's global model, in order. */
  specs: readonly TensorSpec[];
  /** The run's update codec, announced with the round (a site's update must use it; an aggregator's is none). */
  codec: CodecSpec;
  /** Who sends it: a site may not claim more examples than it declared at Join. */
  sender: InputSender;
}

/** How an accepted update header says its bytes encode the update. */
export interface UpdateEncoding {
  codec: CodecSpec;
  /** Top-k entries the update holds (the parameter count for the dense codecs). */
  nonzeros: number;
}

/** The codec of every aggregator's update: the aggregator → coordinator hop is uncompressed float32. */
const AGGREGATOR_CODEC: CodecSpec = { kind: 'none' };

/**
 * Checks an update's header against the round before its bytes are read: float32 tensors with the global model's
 * names and shapes, the round's codec (an aggregator's: none; top-k: 1 ≤ nonzeros ≤ its k), a byte size that codec
 * gives the model, num_examples > 0 and, from a site, ≤ the examples declared at Join (an aggregator declares none:
 * its sub-fleet's count is checked at the aggregator), no metric of a name the coordinator reserves
 * (isReservedUpdateMetric: `staleness_<τ>`, `staleness_mean`), and sub_fleet (checkSubFleet: an aggregator's
 * update carries it, a site's does not).
 * @returns the update's encoding.
 * @throws {InvalidUpdateError} naming the first mismatch.
 */
export function checkUpdateHeader(h: UpdateHeader, expected: UpdateExpectation): UpdateEncoding {
  const ctx = { clientId: h.clientId, round: expected.round };
  const specs = specsFromWire(h.tensors);
  if (typeof specs === 'string') throw new InvalidUpdateError(specs, ctx);
  assertSameSpecs(expected.specs, specs, ctx);
  const aggregator = !!expected.sender.aggregator;
  const codec = aggregator ? AGGREGATOR_CODEC : expected.codec;
  const encoding = checkEncoding(h, codec, totalElements(specs), aggregator ? "an aggregator's update" : 'the round');
  if (typeof encoding === 'string') throw new InvalidUpdateError(encoding, ctx);
  checkExamples(h, expected.sender, ctx);
  checkMetricNames(h, ctx);
  checkSubFleet(h, aggregator, ctx);
  return encoding;
}

/**
 * Checks the header of a SecAgg+ masked upload (stage 3): the global model's tensor specs, UpdateCodec kind "secagg",
 * 4(L + 1) bytes (L parameters and the weight, uint32 each), 0 < num_examples ≤ the examples declared at Join, no
 * reserved metric name, no sub_fleet (a secure aggregation run is never hierarchical).
 * @throws {InvalidUpdateError} naming the first mismatch (a plain update in a SecAgg+ run among them).
 */
export function checkMaskedHeader(h: UpdateHeader, expected: Omit<UpdateExpectation, 'codec'>): void {
  const ctx = { clientId: h.clientId, round: expected.round };
  if (h.codec?.kind !== SECAGG_UPDATE_CODEC.kind)
    throw new InvalidUpdateError(
      `update encoded with ${h.codec?.kind || 'none'}, but the run uses secure aggregation: send the SecAgg+ ` +
        'masked vector (UpdateCodec kind "secagg")',
      ctx,
    );
  const specs = specsFromWire(h.tensors);
  if (typeof specs === 'string') throw new InvalidUpdateError(specs, ctx);
  assertSameSpecs(expected.specs, specs, ctx);
  const want = 4 * (totalElements(specs) + 1);
  if (h.totalBytes !== want)
    throw new InvalidUpdateError(`masked update declares ${h.totalBytes} bytes, the model's takes ${want}`, ctx);
  checkExamples(h, expected.sender, ctx);
  checkMetricNames(h, ctx);
  checkSubFleet(h, false, ctx);
}

/**
 * @throws {InvalidUpdateError} naming the first metric of a reserved name (an asynchronous version's staleness counts
 *   are the coordinator's: a client's would feed fedsift_update_staleness).
 */
function checkMetricNames(h: UpdateHeader, ctx: { clientId: string; round: number }): void {
  const reserved = Object.keys(h.metrics).find(isReservedUpdateMetric);
  if (reserved !== undefined)
    throw new InvalidUpdateError(
      `metric ${reserved} is reserved for the coordinator's staleness counts (staleness_<τ>, staleness_mean); ` +
        'rename it',
      ctx,
    );
}

/** @throws {InvalidUpdateError} unless num_examples > 0 and, from a site, ≤ the examples it declared at Join. */
function checkExamples(h: UpdateHeader, sender: InputSender, ctx: { clientId: string; round: number }): void {
  if (!(h.numExamples > 0)) throw new InvalidUpdateError(`num_examples must be > 0, got ${h.numExamples}`, ctx);
  if (!sender.aggregator && h.numExamples > sender.numExamples) {
    throw new InvalidUpdateError(
      `num_examples ${h.numExamples} exceeds the ${sender.numExamples} examples the client declared at Join`,
      ctx,
    );
  }
}

/**
 * The update's encoding of `n` parameters, or why its codec or byte size does not fit `codec` (what `taker`, "the
 * round" or "an aggregator's update", takes).
 */
function checkEncoding(h: UpdateHeader, expected: CodecSpec, n: number, taker: string): UpdateEncoding | string {
  if (h.codec?.kind === SECAGG_UPDATE_CODEC.kind)
    return 'a SecAgg+ masked update (UpdateCodec kind "secagg") in a run without secure aggregation';
  const codec = codecFromWire(h.codec);
  if (typeof codec === 'string') return `update header: ${codec}`;
  if (!sameCodec(codec, expected)) {
    return `update encoded with ${formatCodecSpec(codec)}, ${taker} takes ${formatCodecSpec(expected)}`;
  }
  const most = maxNonzeros(codec, n);
  const nonzeros = codec.kind === 'topk' ? (h.codec?.nonzeros ?? 0) : n;
  if (!(Number.isSafeInteger(nonzeros) && nonzeros >= 1 && nonzeros <= most)) {
    return `update holds ${nonzeros} top-k entries, ${formatCodecSpec(codec)} of ${n} parameters sends 1 to ${most}`;
  }
  const { min, max } = encodedByteRange(codec, n, nonzeros);
  if (h.totalBytes < min || h.totalBytes > max) {
    const size = min === max ? `${min}` : `${min} to ${max}`;
    return `update declares ${h.totalBytes} bytes, a ${formatCodecSpec(codec)} update of the model takes ${size}`;
  }
  return { codec, nonzeros };
}
