import { federationOf, modelObjectName } from '../../shared/contract/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { CoordinatorLink } from './coordinator-link.js';
import type { DownloadedModel } from './model-assembly.js';
import type { ModelObjectReader } from './model-object-reader.js';

/** Where a global model came from: the NATS object store, or the coordinator (FetchModel). */
export type ModelSource = 'nats' | 'grpc';

/** A global model and where it came from. */
export interface FetchedModel extends DownloadedModel {
  source: ModelSource;
}

/**
 * The global models of the rounds a client plays: from the NATS object store when the client has NATS (no load on
 * the coordinator), else, and whenever that fails (no object, a hash mismatch, NATS down), from the coordinator over
 * gRPC (FetchModel), with a log line saying why.
 */
export class GlobalModels {
  /**
   * @param objects the object store reader; none = FetchModel only.
   * @param onFetched called with the source of every model fetched (metrics).
   */
  constructor(
    private readonly link: CoordinatorLink,
    private readonly objects: ModelObjectReader | undefined,
    private readonly logger: Logger,
    private readonly onFetched?: (source: ModelSource) => void,
  ) {}

  /**
   * The global model that opens the announced round, checked against the announcement's hash when it comes from the
   * object store (FetchModel's against its header; the daemon compares that with the announcement).
   * @param deadlineUnixMs both downloads give up at this instant (default: none).
   * @param into see CoordinatorLink.fetchModel.
   * @throws what CoordinatorLink.fetchModel throws (the object store's failures only lead to FetchModel).
   */
  async fetch(
    a: RoundAnnouncement,
    clientId: string,
    deadlineUnixMs?: number,
    into?: Uint8Array,
  ): Promise<FetchedModel> {
    const { runId, round } = a;
    if (this.objects && a.modelSha256) {
      const object = modelObjectName(federationOf(a.federationId), runId, round);
      try {
        const model = await this.objects.download(object, a.modelSha256, deadlineUnixMs, into);
        return this.fetched(model, 'nats');
      } catch (err) {
        const reason = (err as Error).message;
        this.logger.warn(
          { run: runId, round, object, reason },
          'global model not read from NATS: fetching it over gRPC',
        );
      }
    }
    return this.fetched(await this.link.fetchModel(runId, round, clientId, deadlineUnixMs, into), 'grpc');
  }

  /** Closes the object store's connection. */
  async close(): Promise<void> {
    await this.objects?.close();
  }

  private fetched(model: DownloadedModel, source: ModelSource): FetchedModel {
    this.onFetched?.(source);
    return { ...model, source };
  }
}
