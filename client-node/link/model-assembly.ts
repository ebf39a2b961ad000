import {
  ChunkAssembler,
  decodeFp16Into,
  totalElements,
  viewAsFloat32,
  type ModelWeights,
} from '../../shared/codec/index.js';
import { InvalidUpdateError } from '../../shared/errors/index.js';
import { specsFromWire, type ModelChunk, type ModelHeader } from '../../shared/proto/index.js';

/** A downloaded global model and the SHA-256 its bytes were checked against. */
export interface DownloadedModel {
  weights: ModelWeights;
  /** Hex SHA-256 of the model's bytes (as its header declared it, and checked). */
  sha256: string;
}

/**
 * Reassembles a global model from FetchModel's messages (a header, then the bytes in chunks; a second header starts
 * over), checking the declared size, tensor specs and SHA-256 (of the bytes as sent), and decoding a binary16 model
 * (ModelHeader.codec "fp16", the run's downloadCodec) into float32. Whatever carried the bytes (the gRPC stream, the
 * NATS object store) goes through this one check.
 * @param source names the transfer in error messages (`FetchModel`, `object store`).
 * @param into a buffer to download into when it holds at least the model's float32 bytes: the returned values are
 *        then a view of it, and no model-sized buffer is allocated.
 * @throws {InvalidUpdateError} when the messages are malformed, the size or the hash differs; whatever `messages`
 *         throws.
 */
export async function assembleModel(
  messages: AsyncIterable<ModelChunk>,
  source: string,
  into?: Uint8Array,
): Promise<DownloadedModel> {
  let assembler: ChunkAssembler | undefined;
  let header: ModelChunk['header'];
  try {
    for await (const msg of messages) {
      if (msg.header) {
        assembler?.abandon();
        header = msg.header;
        // A binary16 model is assembled apart and decoded into `into`.
        assembler = new ChunkAssembler(header.totalBytes, isFp16(header) ? undefined : into);
      } else if (assembler) {
        assembler.push(msg.data ?? new Uint8Array(0));
      } else {
        throw new InvalidUpdateError(`${source}: data chunk before the header`);
      }
    }
  } catch (err) {
    assembler?.abandon();
    throw err;
  }
  if (!header || !assembler) throw new InvalidUpdateError(`${source}: stream ended without a header`);
  const specs = specsFromWire(header.tensors);
  const problem = typeof specs === 'string' ? specs : headerProblem(header, totalElements(specs));
  if (typeof specs === 'string' || problem) {
    assembler.abandon();
    throw new InvalidUpdateError(`${source}: ${problem}`);
  }
  const values = modelValues(header, await assembler.finish(header.sha256), totalElements(specs), into);
  return { weights: { specs, values }, sha256: header.sha256 };
}

/**
 * The float32 weights a global model's bytes (as sent, checked against its header) encode: a view of `bytes` (aligned
 * float32, codec none: no copy), or, for a binary16 model, its n values decoded into `into` when it holds 4n bytes,
 * else into a new array.
 */
export function modelValues(header: ModelHeader, bytes: Uint8Array, n: number, into?: Uint8Array): Float32Array {
  if (!isFp16(header)) return viewAsFloat32(bytes);
  const values = into && into.byteLength >= 4 * n ? viewAsFloat32(into.subarray(0, 4 * n)) : new Float32Array(n);
  decodeFp16Into(bytes, values);
  return values;
}

/** Why a model header cannot describe `n` parameters in bytes this build decodes, or undefined when it can. */
function headerProblem(h: ModelHeader, n: number): string | undefined {
  const codec = h.codec || 'none';
  if (codec !== 'none' && codec !== 'fp16')
    return `the model is encoded with "${codec}", which this build cannot decode`;
  const bytes = (codec === 'fp16' ? 2 : 4) * n;
  if (bytes !== h.totalBytes)
    return `${n} ${codec} parameters take ${bytes} bytes, the header declares ${h.totalBytes}`;
  return undefined;
}

function isFp16(h: ModelHeader): boolean {
  return h.codec === 'fp16';
}
