import { ChunkAssembler, totalBytes, viewAsFloat32, type ModelWeights } from '../../shared/codec/index.js';
import { InvalidUpdateError } from '../../shared/errors/index.js';
import { specsFromWire, type ModelChunk } from '../../shared/proto/index.js';

/** A downloaded global model and the SHA-256 its bytes were checked against. */
export interface DownloadedModel {
  weights: ModelWeights;
  /** Hex SHA-256 of the model's bytes (as its header declared it, and checked). */
  sha256: string;
}

/**
 * Reassembles a global model from FetchModel's messages (a header, then the bytes in chunks; a second header starts
 * over), checking the declared size, tensor specs and SHA-256. Whatever carried the bytes (the gRPC stream, the NATS
 * object store) goes through this one check.
 * @param source names the transfer in error messages (`FetchModel`, `object store`).
 * @param into a buffer to download into when it holds at least the model's bytes: the returned values are then a
 *        view of it, and no model-sized buffer is allocated.
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
        assembler = new ChunkAssembler(header.totalBytes, into);
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
  if (typeof specs === 'string' || totalBytes(specs) !== header.totalBytes) {
    assembler.abandon();
    const problem =
      typeof specs === 'string'
        ? specs
        : `the tensors hold ${totalBytes(specs)} bytes, the header declares ${header.totalBytes}`;
    throw new InvalidUpdateError(`${source}: ${problem}`);
  }
  const values = viewAsFloat32(await assembler.finish(header.sha256)); // the assembler's buffer is aligned: no copy
  return { weights: { specs, values }, sha256: header.sha256 };
}
