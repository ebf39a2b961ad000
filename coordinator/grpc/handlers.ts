import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import { sessionIdOf } from '../../shared/proto/index.js';
import type { AccessControl, Caller } from '../auth/index.js';
import type { ClientRegistry } from '../clients/index.js';

/**
 * Wraps a request → response function (synchronous, or async: StartRun resolves the run's model) as a grpc-js unary
 * handler: whatever it throws or rejects with is answered as a gRPC status (toServiceError), never thrown out of the
 * handler; unexpected errors go to `onUnexpected` for logging. `fn` also gets the call (metadata, peer) for access
 * checks. A synchronous answer is sent at once, in the same turn.
 */
export function unaryHandler<Req, Res>(
  fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
  onUnexpected: (err: unknown) => void,
) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>): void => {
    const fail = (err: unknown) => cb(toServiceError(err, onUnexpected));
    try {
      const res = fn(call.request, call);
      if (res instanceof Promise) res.then((r) => cb(null, r), fail);
      else cb(null, res);
    } catch (err) {
      fail(err);
    }
  };
}

/**
 * Ends a server stream with the gRPC status of `err`. grpc-js sends a status for a server stream only through its
 * 'error' event; `destroy()` would drop the call without one and leave the client waiting.
 */
export function failStream(
  call: ServerWritableStream<unknown, unknown>,
  err: unknown,
  onUnexpected: (err: unknown) => void,
): void {
  const s = toServiceError(err, onUnexpected);
  call.emit('error', Object.assign(new Error(s.details), s));
}

/** What checks the calls of a joined client daemon. */
export interface CallerChecks {
  access: AccessControl;
  clients: ClientRegistry;
}

/**
 * Checks a Coordinator call after Join: its enrolment token (and, with mutual TLS, certificate) speak for `clientId`,
 * and its session (`fedsift-session` metadata) is the one that holds the site.
 * @throws {UnauthenticatedClientError} | {ForbiddenError} | {UnknownClientError} (never joined: Join again) |
 *         {SiteTakenOverError} (another daemon holds the site)
 */
export function checkCaller(deps: CallerChecks, caller: Caller, clientId: string): void {
  deps.access.checkClient(caller, clientId);
  deps.clients.checkSession(clientId, sessionIdOf(caller.metadata));
}
