import type { ModelWeights } from '../../shared/codec/index.js';
import type { EncodedModel } from './encoded-model.js';

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
