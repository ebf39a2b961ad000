import type { ModelHeader } from '../../shared/proto/index.js';

/** A round's encoded global model as the run controller holds it (EncodedModel): its FetchModel header and bytes. */
export interface PublishableModel {
  readonly header: ModelHeader;
  /** Raw little-endian float32 bytes; read during publish only, never kept. */
  readonly bytes: Uint8Array;
}

/**
 * Where a coordinator puts each round's global model once so that clients download it without the coordinator
 * sending it to each of them (the NATS JetStream object store). Optional: without one, and whenever a publish
 * failed, clients fetch the model over gRPC (FetchModel).
 */
export interface ModelObjects {
  /**
   * Puts the model that opens `round` of a run, then deletes that run's model of round − 2 (the clients of a round
   * are done with the models before it), so that the last two rounds' stay. Called once per round, rounds in order,
   * before the round's announcement, so that clients find the object. Never rejects: a failure is logged and the
   * clients fall back to FetchModel.
   */
  publish(runId: string, round: number, model: PublishableModel): Promise<void>;
  /**
   * Deletes what retention left of a run that finished (completed, stopped or failed) in `round`: the models of
   * `round` and the round before. Never rejects: failures are logged.
   */
  discard(runId: string, round: number): Promise<void>;
  /** Releases the connection; nothing may be called afterwards. */
  close(): Promise<void>;
}
