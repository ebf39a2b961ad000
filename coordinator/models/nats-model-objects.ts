import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { MODEL_HEADER_METADATA_KEY, MODEL_OBJECTS_BUCKET, modelObjectName } from '../../shared/contract/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { connectCoordinatorNats, type CoordinatorNats } from '../broadcast/index.js';
import type { ModelObjects, PublishableModel } from './model-objects.js';

/** What a NatsModelObjects needs besides its URL. */
export interface NatsModelObjectsOptions {
  /** The coordinator's federation (config `federationId`): it names the objects (modelObjectName). */
  federationId: string;
  logger: Logger;
  /** Called with the bytes of every model put (metrics). */
  onPut?: (runId: string, bytes: number) => void;
}

/**
 * Global models in the JetStream object store bucket `fedsift-models`, one object per round of a run
 * (`<federation>/<run>/<round>`), chunked by NATS (chunks of FetchModel's size, at most the server's max_payload) and
 * checked by its SHA-256 digest; the object's metadata carries the FetchModel header. A connection of its own, so
 * that putting a large model does not hold up round announcements on the broadcaster's.
 */
export class NatsModelObjects implements ModelObjects {
  private readonly nc: NatsConnection;

  private constructor(
    private readonly nats: CoordinatorNats,
    private readonly store: ObjectStore,
    private readonly options: NatsModelObjectsOptions,
  ) {
    this.nc = nats.nc;
  }

  /**
   * Connects (reconnecting forever) and creates or opens the bucket. @returns undefined, logged, when JetStream
   * refuses the bucket (e.g. the account's stream limit): the coordinator then serves models over gRPC only.
   * @throws {ServiceUnavailableError} when the server cannot be reached at start-up.
   */
  static async open(url: string, options: NatsModelObjectsOptions): Promise<NatsModelObjects | undefined> {
    const nats = await connectCoordinatorNats(url, `fedsift-coordinator-models-${options.federationId}`);
    const nc = nats.nc;
    try {
      const store = await new Objm(nc).create(MODEL_OBJECTS_BUCKET);
      options.logger.info({ bucket: MODEL_OBJECTS_BUCKET }, 'global models served from the NATS object store');
      return new NatsModelObjects(nats, store, options);
    } catch (err) {
      options.logger.warn(
        { bucket: MODEL_OBJECTS_BUCKET, err: (err as Error).message },
        'JetStream refused the model object store: clients fetch global models over gRPC only',
      );
      await nc.close();
      return undefined;
    }
  }

  async publish(runId: string, round: number, model: PublishableModel): Promise<void> {
    const { federationId, logger, onPut } = this.options;
    const name = modelObjectName(federationId, runId, round);
    const log = logger.child({ run: runId, round, object: name });
    try {
      if (this.nats.reconnecting()) throw new Error('NATS is reconnecting');
      const meta = {
        name,
        metadata: { [MODEL_HEADER_METADATA_KEY]: JSON.stringify(model.header) },
        options: { max_chunk_size: MAX_CHUNK_BYTES },
      };
      const info = await this.store.putBlob(meta, model.bytes);
      onPut?.(runId, info.size);
      log.info({ bytes: info.size, chunks: info.chunks }, 'global model put into the NATS object store');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'global model not put into the NATS object store: clients use gRPC');
    }
    // Rounds follow one another, so deleting round − 2 at every round leaves the last two, whoever put the older ones
    // (a coordinator that ran the run before this one resumed it).
    await this.deleteRound(runId, round - 2);
  }

  async discard(runId: string, round: number): Promise<void> {
    await Promise.all([this.deleteRound(runId, round), this.deleteRound(runId, round - 1)]);
  }

  /** Deletes the object of one round (none below round 1, none when missing); a failure is logged. */
  private async deleteRound(runId: string, round: number): Promise<void> {
    if (round < 1) return;
    const name = modelObjectName(this.options.federationId, runId, round);
    await this.store.delete(name).catch((err: Error) => {
      this.options.logger.warn({ run: runId, round, object: name, err: err.message }, 'global model not deleted');
    });
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
