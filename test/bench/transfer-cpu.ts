/**
 * CPU time (user + system, every thread of this process: the hashing thread too) that a gRPC server spends on one
 * transfer, measured by a server interceptor, so the fedsift coordinator and the bare grpc-js server are measured the
 * same way, in the same process, from the same events.
 */
import { ResponderBuilder, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';

/**
 * Splits this process's CPU time into windows: one opens when a call to the method `opensAt` (a gRPC path, e.g.
 * `/fedsift.v1.Coordinator/FetchModel`) arrives, unless one is open already, and closes once a call to `closesAt`
 * has sent its status. Install `interceptor` on the server (ServerOptions.interceptors).
 */
export class TransferCpu {
  /** CPU microseconds (user + system) of each closed window, in order. */
  readonly windows: number[] = [];
  private openedAt: NodeJS.CpuUsage | undefined;

  constructor(
    private readonly opensAt: string,
    private readonly closesAt: string,
  ) {}

  readonly interceptor: ServerInterceptor = (method, call) => {
    if (method.path === this.opensAt) this.openedAt ??= process.cpuUsage();
    if (method.path !== this.closesAt) return new ServerInterceptingCall(call);
    const closing = new ResponderBuilder()
      .withSendStatus((status, next) => {
        next(status);
        this.close();
      })
      .build();
    return new ServerInterceptingCall(call, closing);
  };

  private close(): void {
    if (!this.openedAt) return;
    const { user, system } = process.cpuUsage(this.openedAt);
    this.windows.push(user + system);
    this.openedAt = undefined;
  }
}
