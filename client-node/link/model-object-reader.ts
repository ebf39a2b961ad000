import { Objm, type ObjectInfo, type ObjectResult, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MODEL_HEADER_METADATA_KEY, MODEL_OBJECTS_BUCKET } from '../../shared/contract/index.js';
import { InvalidUpdateError } from '../../shared/errors/index.js';
import type { ModelChunk, ModelHeader } from '../../shared/proto/index.js';
import { assembleModel, type DownloadedModel } from './model-assembly.js';

/** How long the first connection to NATS may take (ms) before a download gives up and falls back to gRPC. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Reads global models from the NATS JetStream object store (bucket `fedsift-models`) a coordinator with NATS puts
 * each round's model into (see shared/contract modelObjectName): from the site's nearest NATS server, not from the
 * coordinator. Connects at the first download (again at the next one when that failed), then reconnects forever.
 */
export class ModelObjectReader {
  private opened: Promise<{ nc: NatsConnection; store: ObjectStore }> | undefined;

  constructor(private readonly url: string) {}

  /**
   * Downloads one object and checks it as FetchModel's stream is checked (assembleModel), its bytes against
   * `sha256` (the announcement's), whatever the object's own header says.
   * @param deadlineUnixMs the download gives up at this instant (default: none).
   * @param into see CoordinatorLink.fetchModel.
   * @throws {InvalidUpdateError} when the object is missing, has no model header, or its bytes do not match; the
   *         NATS error when the server cannot be reached or the transfer fails.
   */
  async download(name: string, sha256: string, deadlineUnixMs?: number, into?: Uint8Array): Promise<DownloadedModel> {
    const { store } = await this.open();
    const result = await store.get(name);
    if (!result) throw new InvalidUpdateError(`object store: no object ${name} in bucket ${MODEL_OBJECTS_BUCKET}`);
    return assembleModel(objectMessages(result, sha256, deadlineUnixMs), 'object store', into);
  }

  private open(): Promise<{ nc: NatsConnection; store: ObjectStore }> {
    this.opened ??= (async () => {
      const nc = await connect({
        servers: this.url,
        name: 'fedsift-client-models',
        timeout: CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
      try {
        return { nc, store: await new Objm(nc).open(MODEL_OBJECTS_BUCKET) };
      } catch (err) {
        await nc.close();
        throw err;
      }
    })();
    this.opened.catch(() => (this.opened = undefined)); // the next download tries again
    return this.opened;
  }

  /** Closes the connection (a download in flight fails). */
  async close(): Promise<void> {
    const opened = await this.opened?.catch(() => undefined);
    await opened?.nc.close();
  }
}

/**
 * The FetchModel header an object's metadata carries, with `sha256` in place of the one it states: the bytes must
 * hash to what the announcement promised. @throws {InvalidUpdateError} without one, or with a size not the object's.
 */
function headerOf(info: ObjectInfo, sha256: string): ModelHeader {
  const text = info.metadata?.[MODEL_HEADER_METADATA_KEY];
  if (!text) throw new InvalidUpdateError(`object store: ${info.name} carries no model header`);
  const header = JSON.parse(text) as ModelHeader;
  if (header.totalBytes !== info.size)
    throw new InvalidUpdateError(
      `object store: ${info.name} holds ${info.size} bytes, its header declares ${header.totalBytes}`,
    );
  return { ...header, sha256 };
}

/**
 * An object as FetchModel's messages: its header (headerOf), then its chunks as NATS delivers them, until the
 * deadline. However it ends, NATS's consumer of the object stops.
 */
async function* objectMessages(
  result: ObjectResult,
  sha256: string,
  deadlineUnixMs: number | undefined,
): AsyncGenerator<ModelChunk> {
  const reader = result.data.getReader();
  let late = false;
  const timer =
    deadlineUnixMs === undefined
      ? undefined
      : setTimeout(() => {
          late = true;
          void reader.cancel();
        }, deadlineUnixMs - Date.now());
  try {
    yield { header: headerOf(result.info, sha256) };
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield { data: r.value };
    if (late) throw new Error(`object store: ${result.info.name} not downloaded before the deadline`);
    const failed = await result.error;
    if (failed) throw failed;
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
}
