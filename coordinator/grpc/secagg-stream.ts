import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { InvalidRequestError } from '../../shared/errors/index.js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import {
  clientStageFromWire,
  sessionIdOf,
  type SecAggClientMessage,
  type SecAggServerMessage,
} from '../../shared/proto/index.js';
import type { ClientRuns } from './client-runs.js';
import { DEFAULT_KEY_STAGE_TIMEOUT_MS, type SecAggAttempt, type SecAggStreamSink } from '../secagg/index.js';
import { checkCaller, type CallerChecks } from './handlers.js';

/** What a SecureAggregation stream needs: the caller checks and the runs. */
export interface SecAggStreamDeps extends CallerChecks {
  manager: ClientRuns;
}

type SecAggCall = ServerDuplexStream<SecAggClientMessage, SecAggServerMessage>;

/**
 * A stream that sends no first message (the one naming its attempt) this long after it opened ends DEADLINE_EXCEEDED
 * (ms): a client sends its keys right after opening it, and no attempt governs the stream before that message; the
 * default stage 1 deadline (advertiseKeysTimeoutMs).
 */
const FIRST_MESSAGE_TIMEOUT_MS = DEFAULT_KEY_STAGE_TIMEOUT_MS;

/**
 * One client's SecureAggregation stream (SecAgg+ stages 1, 2 and 4 of one attempt): the client is the one whose site
 * the call's session holds (never a message field), checked as every Coordinator call (enrolment token, certificate);
 * the first message names run, round and attempt and routes the stream to that run's open attempt. A malformed
 * stage message ends the stream with INVALID_ARGUMENT and puts the client out of the attempt (the round goes on); a
 * stream that ends or breaks early is a dropout. Every later message is checked against the session again (a site
 * taken over by another daemon: SiteTakenOverError, the client is out); a stream without a first message ends
 * DEADLINE_EXCEEDED after FIRST_MESSAGE_TIMEOUT_MS. The attempt sends each stage's message, ends the stream OK after
 * `done`, ABORTED when it failed.
 */
export function secureAggregationStream(deps: SecAggStreamDeps, unexpected: (err: unknown) => void) {
  return (call: SecAggCall): void => {
    let ended = false;
    const finish = (s: { code: number; details?: string }) => {
      clearTimeout(firstMessage);
      if (ended) return;
      ended = true;
      call.emit('error', Object.assign(new Error(s.details ?? ''), s));
    };
    const sink: SecAggStreamSink = {
      send: (m) => void (ended || call.write(m)),
      end: () => {
        if (!ended) call.end();
        ended = true;
      },
      abort: (reason) => finish({ code: status.ABORTED, details: reason }),
      fail: (err) => finish(toServiceError(err, unexpected)),
    };
    let clientId: string | undefined;
    let attempt: SecAggAttempt | undefined;
    const firstMessage = setTimeout(() => {
      const details = `no message named the SecAgg+ attempt within ${FIRST_MESSAGE_TIMEOUT_MS} ms of opening the stream`;
      finish({ code: status.DEADLINE_EXCEEDED, details });
    }, FIRST_MESSAGE_TIMEOUT_MS);
    const onMessage = (m: SecAggClientMessage) => {
      if (ended) return;
      clearTimeout(firstMessage);
      if (!attempt) {
        clientId = deps.clients.clientOfSession(sessionIdOf(call.metadata));
        checkCaller(deps, call, clientId);
        const opened = deps.manager.get(m.runId).secAggAttempt({ runId: m.runId, round: m.round, attempt: m.attempt });
        opened.connect(clientId, sink);
        attempt = opened; // only a connected stream speaks for the client in the attempt
      } else {
        deps.clients.checkSession(clientId!, sessionIdOf(call.metadata)); // a taken-over site's stream is mute
        const ref = attempt.ref;
        if (m.runId !== ref.runId || m.round !== ref.round || m.attempt !== ref.attempt)
          throw new InvalidRequestError(
            `this stream is for run ${ref.runId} round ${ref.round} attempt ${ref.attempt}, not ` +
              `run ${m.runId} round ${m.round} attempt ${m.attempt}`,
            { clientId },
          );
      }
      attempt.receive(clientId!, clientStageFromWire(clientId!, m));
    };
    call.on('data', (m: SecAggClientMessage) => {
      try {
        onMessage(m);
      } catch (err) {
        sink.fail(err as Error);
        if (clientId) attempt?.disconnect(clientId, 'ended by a refused message');
      }
    });
    // A half-close leaves the stream writable: the attempt ends it (after `done` when the client had said all).
    call.on('end', () => clientId && !ended && attempt?.disconnect(clientId, 'ended by the client'));
    const gone = (why: string) => {
      clearTimeout(firstMessage);
      if (clientId && !ended) attempt?.disconnect(clientId, why);
      ended = true;
    };
    call.on('cancelled', () => gone('cancelled by the client'));
    call.on('error', (err: Error) => gone(`failed: ${err.message}`));
  };
}
