import { credentials, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { DEFAULT_TRANSPORT, grpcChannelOptions } from '../../shared/config/index.js';
import { bearerTokenInterceptor, loadFedsiftProto, type ListRunsResponse, type RunEvent, type RunStatus } from '../../shared/proto/index.js';

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

  /** @param token the coordinator's admin token, sent on every call; none when it does not require one. */
  constructor(address: string, token?: string) {
    const { AdminClient: Ctor } = loadFedsiftProto();
    const options = { ...grpcChannelOptions(DEFAULT_TRANSPORT), ...(token && { interceptors: [bearerTokenInterceptor(token)] }) };
    this.stub = new Ctor(address, credentials.createInsecure(), options) as unknown as AdminStub;
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
