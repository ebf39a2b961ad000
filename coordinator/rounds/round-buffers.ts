import type { ModelWeights } from '../../shared/codec/index.js';
import type { EncodedModel } from './encoded-model.js';

/** Receive buffers are allocated in multiples of this many bytes (64 KiB). */
const RECEIVE_BUFFER_STEP = 64 * 1024;

/**
 * A buffer of at least `bytes` bytes to receive one update into: a spare one from `spares` when one is large enough
 * (taken out of the list; the accumulator gave it back), else a new one rounded up to RECEIVE_BUFFER_STEP, so that a
 * later update a little larger (top-k sizes vary) can reuse it.
 */
export function receiveBuffer(spares: Uint8Array[], bytes: number): Uint8Array {
  const fit = spares.findIndex((b) => b.byteLength >= bytes);
  if (fit >= 0) return spares.splice(fit, 1)[0]!;
  // Ordinary memory, so the upload's SHA-256 runs in this thread: with 100 uploads at once, fresh shared-memory
  // buffers cost more CPU than a hashing thread saves (round-overhead bench: +12% CPU, +30% round time).
  return new Uint8Array(Math.ceil(bytes / RECEIVE_BUFFER_STEP) * RECEIVE_BUFFER_STEP);
}

/** Model-sized receive buffers a run keeps between rounds (more are allocated while many uploads run at once). */
const IDLE_RECEIVE_BUFFERS = 2;

/**
 * The model-sized memory one run hands from round to round instead of allocating it afresh (FedAvg family; 100 MB of
 * fresh pages cost ~0.3 s on a VM): update receive buffers the accumulator gave back, and the retired global model,
 * which becomes the next round's aggregation memory.
 */
export class RoundBuffers {
  /** Update receive buffers (see OpenRound.receiveBuffer); OpenRound takes from and returns to this list. */
  readonly receive: Uint8Array[] = [];
  private spareModel: Float32Array | undefined;

  /** After a round closed: keeps at most IDLE_RECEIVE_BUFFERS receive buffers for the next one. */
  trim(): void {
    this.receive.splice(IDLE_RECEIVE_BUFFERS);
  }

  /**
   * Once round r has its new global model, the previous one (r's input) is read by nothing but FetchModel streams still
   * running: when none is, its buffer becomes the next round's aggregation memory.
   */
  retire(model: EncodedModel, previous: ModelWeights, next: ModelWeights): void {
    if (model.activeStreams === 0 && previous.values !== next.values) this.spareModel = previous.values;
  }

  /** The retired global model's buffer, once (undefined when there is none). */
  takeSpareModel(): Float32Array | undefined {
    const spare = this.spareModel;
    this.spareModel = undefined;
    return spare;
  }

  /** Drops every buffer (the run finished). */
  clear(): void {
    this.receive.length = 0;
    this.spareModel = undefined;
  }
}
