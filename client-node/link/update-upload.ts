import { createHash } from 'node:crypto';
import { Metadata, type CallOptions, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { chunkBytes, float32ToBytes, sha256Hex, type ModelWeights, type TensorSpec } from '../../shared/codec/index.js';
import { specsToWire, type UpdateAck, type UpdateChunk, type UpdateHeader } from '../../shared/proto/index.js';
import { writeWithBackpressure } from '../../shared/streams/index.js';

/** An update ready to submit: header fields without the byte totals, which the link computes. */
export type UpdateToSubmit = Omit<UpdateHeader, 'tensors' | 'totalBytes' | 'sha256'> &
  (
    | {
        /** The model's tensor specs (the update's layout once decoded). */
        specs: readonly TensorSpec[];
        /** The update's bytes as sent, encoded with `codec` (see UpdateEncoder). */
        payload: Uint8Array;
        /**
         * When given, payload[0, end) is only written once encodeTo(end) returns: called before each chunk is sent
         * (or once for all bytes before an upload whose digest comes first). @throws whatever encoding throws.
         */
        encodeTo?: (end: number) => void;
      }
    | {
        /** The trained weights, sent as float32 (codec none). */
        weights: ModelWeights;
      }
  );

/** The one call of a Coordinator client an upload needs (SubmitUpdate, a client stream). */
export interface UpdateStub {
  SubmitUpdate(
    metadata: Metadata,
    options: CallOptions,
    cb: (err: ServiceError | null, ack?: UpdateAck) => void,
  ): ClientWritableStream<UpdateChunk>;
}

/**
 * Streams one update on `stub` (SubmitUpdate): the header (tensor specs, total bytes), chunks of at most
 * `maxChunkBytes` honouring the stream's backpressure, encoded just before each is sent when the update says how
 * (encodeTo), then the SHA-256 trailer; with `digestFirst` (a retry) the whole update is encoded and hashed first and
 * the digest goes in the header instead (CoordinatorLink.submitUpdate says why).
 * @param deadlineUnixMs the call's deadline (none when undefined or 0).
 * @returns the coordinator's ack. @throws the gRPC error, or whatever encodeTo throws (the call is then cancelled).
 */
export function streamUpdate(
  stub: UpdateStub,
  update: UpdateToSubmit,
  maxChunkBytes: number,
  deadlineUnixMs: number | undefined,
  digestFirst: boolean,
): Promise<UpdateAck> {
  const { specs, bytes, encodeTo, fields } =
    'weights' in update
      ? (({ weights, ...fields }) => ({
          specs: weights.specs,
          bytes: float32ToBytes(weights.values),
          encodeTo: undefined,
          fields,
        }))(update)
      : (({ specs, payload, encodeTo, ...fields }) => ({ specs, bytes: payload, encodeTo, fields }))(update);
  return new Promise((resolve, reject) => {
    if (digestFirst) encodeTo?.(bytes.byteLength); // throws before anything is sent
    const header: UpdateHeader = {
      ...fields,
      tensors: specsToWire(specs),
      totalBytes: bytes.byteLength,
      sha256: digestFirst ? sha256Hex(bytes) : '',
    };
    const options = deadlineUnixMs ? { deadline: deadlineUnixMs } : {};
    const call = stub.SubmitUpdate(new Metadata(), options, (err, ack) => (err ? reject(err) : resolve(ack!)));
    const messages = (function* (): Generator<UpdateChunk> {
      yield { header };
      const hash = digestFirst ? undefined : createHash('sha256');
      let sent = 0;
      for (const data of chunkBytes(bytes, maxChunkBytes)) {
        encodeTo?.((sent += data.byteLength)); // the next chunk is encoded while the last one travels
        hash?.update(data);
        yield { data };
      }
      if (hash) yield { sha256: hash.digest('hex') };
    })();
    writeWithBackpressure(call, messages).then(
      () => call.destroyed || call.end(),
      (err: unknown) => {
        reject(err); // before the cancel's own error: the caller learns why the upload stopped
        call.cancel();
      },
    );
  });
}
