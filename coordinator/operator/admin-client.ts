import { type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { DEFAULT_TRANSPORT, grpcChannelOptions } from '../../shared/config/index.js';
import { channelCredentials, type ChannelSecurity } from '../../shared/tls/index.js';
import {
  bearerTokenInterceptor,
  loadFedsiftProto,
  type ListRunsResponse,
  type RunEvent,
  type RunStatus,
} from '../../shared/proto/index.js';

type Callback<T> = (err: ServiceError | null, res?: T) => void;
type AdminStub = Client & {
  StartRun(req: { configJson: string }, cb: Callback<RunStatus>): void;
  GetRun(req: { runId: string }, cb: Callback<RunStatus>): void;
  ListRuns(req: object, cb: Callback<ListRunsResponse>): void;
  StopRun(req: { runId: string }, cb: Callback<RunStatus>): void;
  WatchRun(req: { runId: string }): ClientReadableStream<RunEvent>;
};

/** Promise-returning client of the `fedsift.v1.Admin` service (CLI, demo, tests). */
export class AdminClient {
  private readonly stub: AdminStub;

  /**
   * @param security.token the coordinator's admin token (none when it requires none); security.tls its CA and an
   *        optional client certificate (none = plain text). @throws {ConfigError} when a TLS file cannot be read.
   */
  constructor(address: string, security: ChannelSecurity = {}) {
    const { AdminClient: Ctor } = loadFedsiftProto();
    const options = {
      ...grpcChannelOptions(DEFAULT_TRANSPORT),
      ...(security.token && { interceptors: [bearerTokenInterceptor(security.token)] }),
    };
    this.stub = new Ctor(address, channelCredentials(security.tls), options) as unknown as AdminStub;
  }

  /** @throws ServiceError INVALID_ARGUMENT naming the bad config field. */
  startRun(config: unknown): Promise<RunStatus> {
    return this.call((cb) => this.stub.StartRun({ configJson: JSON.stringify(config) }, cb));
  }

  getRun(runId: string): Promise<RunStatus> {
    return this.call((cb) => this.stub.GetRun({ runId }, cb));
  }

  async listRuns(): Promise<RunStatus[]> {
    return (await this.call<ListRunsResponse>((cb) => this.stub.ListRuns({}, cb))).runs;
  }

  stopRun(runId: string): Promise<RunStatus> {
    return this.call((cb) => this.stub.StopRun({ runId }, cb));
  }

  /** Current status first, then one event per change; ends after the run finishes. */
  watchRun(runId: string): AsyncIterable<RunEvent> {
    return this.stub.WatchRun({ runId }) as AsyncIterable<RunEvent>;
  }

  close(): void {
    this.stub.close();
  }

  private call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res!))));
  }
}
