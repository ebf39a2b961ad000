import type {
  sendUnaryData,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { NotLeaderError } from '../../shared/errors/index.js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import { failStream } from './handlers.js';

/** Whether this coordinator answers calls now and, when it does not, where the leader is. */
export interface ServingState {
  /** True while this coordinator leads with its runs loaded. */
  serving(): boolean;
  /** The leader's host:port, '' when none is known. */
  leaderAddress(): string;
}

/** The refusal of a call by a coordinator that does not lead, naming the leader when it is known. */
function notLeaderError(leaderAddress: string): NotLeaderError {
  return new NotLeaderError(
    `this coordinator is a standby; ${leaderAddress ? `the leader is ${leaderAddress}` : 'no leader yet'}`,
  );
}

/** A call whose responses stream (server stream or bidi), as the gate tracks it until it ends. */
type StreamingCall = ServerWritableStream<unknown, unknown>;

/**
 * Admits calls to a service only while this coordinator serves (leads, runs loaded); otherwise answers them
 * UNAVAILABLE with {@link notLeaderError}. One rule for every method, by its kind in the service definition: a unary
 * or client-stream call is answered through its callback, a server-stream or bidi call ends with the status. Streams
 * admitted while serving are tracked, so that {@link refuseOpenStreams} can end them when the lead is lost (a daemon
 * watching rounds then goes to the leader at once).
 */
export class LeaderGate {
  private readonly open = new Set<StreamingCall>();

  constructor(
    private readonly state: ServingState,
    private readonly onUnexpected: (err: unknown) => void,
  ) {}

  /** `implementation` with each method of `definition` gated; keys as the implementation spells them. */
  wrap(definition: ServiceDefinition, implementation: UntypedServiceImplementation): UntypedServiceImplementation {
    const gated: UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(definition)) {
      const key = name in implementation ? name : method.originalName;
      const handler = key === undefined ? undefined : implementation[key];
      if (key === undefined || handler === undefined) continue;
      gated[key] = method.responseStream ? this.streaming(handler) : this.answered(handler);
    }
    return gated;
  }

  /** Ends every stream admitted while serving that is still open, with the refusal a new call would get. */
  refuseOpenStreams(): void {
    const refusal = notLeaderError(this.state.leaderAddress());
    for (const call of this.open) if (!call.writableEnded) failStream(call, refusal, this.onUnexpected);
    this.open.clear();
  }

  /** Unary and client-stream methods: the refusal goes to the callback. */
  private answered(handler: UntypedHandleCall): UntypedHandleCall {
    const answer = handler as (call: unknown, callback: sendUnaryData<unknown>) => void;
    return ((call: unknown, callback: sendUnaryData<unknown>) => {
      if (this.state.serving()) return answer(call, callback);
      callback(toServiceError(notLeaderError(this.state.leaderAddress()), this.onUnexpected));
    }) as UntypedHandleCall;
  }

  /** Server-stream and bidi methods: the refusal ends the stream. */
  private streaming(handler: UntypedHandleCall): UntypedHandleCall {
    const serve = handler as (call: StreamingCall) => void;
    return ((call: StreamingCall) => {
      if (!this.state.serving()) return failStream(call, notLeaderError(this.state.leaderAddress()), this.onUnexpected);
      this.open.add(call);
      const forget = () => this.open.delete(call);
      for (const event of ['finish', 'close', 'cancelled', 'error']) call.once(event, forget);
      serve(call);
    }) as UntypedHandleCall;
  }
}
