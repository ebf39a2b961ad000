import type { ModelWeights } from '../../../shared/codec/index.js';
import {
  DuplicateUpdateError,
  InvalidUpdateError,
  NotSelectedError,
  RoundClosedError,
  StaleRoundError,
} from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { UpdateHeader } from '../../../shared/proto/index.js';
import { receiveBuffer } from '../round-buffers.js';
import { roundClosedError } from '../round-progress.js';
import type { UpdateValues } from '../../strategies/index.js';
import type { IntakeRound } from '../update-intake.js';
import type { Dispatch } from './dispatches.js';

/** The engine side an upload's intake works with (AsyncRun). */
export interface DispatchHost {
  readonly isOpen: boolean;
  /** Whether `d` has not ended yet (Dispatches.isOutstanding). */
  isOutstanding(d: Dispatch): boolean;
  /** Folds a checked update of `d` (IntakeRound.fold, for one dispatch). */
  fold(d: Dispatch, h: UpdateHeader, bytes: Uint8Array, values: UpdateValues, updateNorm?: number): boolean;
  /** Ends the dispatch without an update. */
  fail(d: Dispatch, reason: string): void;
  onClose(listener: () => void): () => void;
}

/**
 * The intake side of one dispatch's upload (what receivePlain checks and folds against): the dispatch's base model as
 * the global model (a compressed update's delta and maxUpdateNorm are against it), the run's pooled buffers, and the
 * engine's fold; a refused upload ends the dispatch. The intake is open while the run is and the dispatch has not
 * ended: once it ended (deadline, lost client, run stopped) the upload in flight is refused with RoundClosedError, as
 * a synchronous round's close refuses its uploads.
 */
export function dispatchIntake(
  d: Dispatch,
  base: ModelWeights,
  host: DispatchHost,
  o: { runId: string; spareBuffers: Uint8Array[]; logger: Logger },
): IntakeRound {
  return {
    get isOpen() {
      return host.isOpen && host.isOutstanding(d);
    },
    closedError: (clientId) =>
      host.isOpen ? dispatchEndedError(d, o.runId) : roundClosedError(o.runId, d.round, clientId),
    global: base,
    receiveBuffer: (bytes) => receiveBuffer(o.spareBuffers, bytes),
    fold: (...args) => host.fold(d, ...args),
    reject: (_clientId, reason) => host.fail(d, reason),
    interrupted: (clientId, reason) =>
      o.logger.info({ round: d.round, client: clientId, reason }, 'upload broke off; it may be sent again'),
    onClose: (listener) => {
      const stopWatchingRun = host.onClose(listener);
      d.endListeners.add(listener);
      return () => {
        stopWatchingRun();
        d.endListeners.delete(listener);
      };
    },
  };
}

/** The error an upload gets once its dispatch ended without it (deadline passed, client lost or refused). */
export function dispatchEndedError(d: Dispatch, runId: string): RoundClosedError {
  return new RoundClosedError(
    `dispatch ${d.id} of client ${d.clientId} from round ${d.round} of run ${runId} has ended (its deadline passed, ` +
      'or the client was lost); its update is no longer accepted: wait for the next dispatch',
    { runId, clientId: d.clientId, round: d.round },
  );
}

/**
 * Whether an update from `round` may still be folded when the buffer of `current` fills: τ = current − round ≤
 * maxStaleness. @throws {StaleRoundError} (ABORTED, carrying the current round) past it | {InvalidUpdateError} for a
 * round that has not started.
 */
export function checkStaleness(
  current: number,
  round: number,
  maxStaleness: number,
  ctx: { runId: string; clientId: string },
): void {
  const at = { ...ctx, round: current };
  if (round > current)
    throw new InvalidUpdateError(`round ${round} of run ${ctx.runId} has not started; current round is ${current}`, at);
  if (current - round > maxStaleness)
    throw new StaleRoundError(
      `an update from round ${round} of run ${ctx.runId} is ${current - round} versions old, past ` +
        `async.maxStaleness (${maxStaleness}); current round is ${current}`,
      at,
    );
}

/**
 * The error an update header gets without an outstanding dispatch of its key from its round (the dispatch's deadline
 * passed, or the coordinator restarted): StaleRoundError (ABORTED) carrying the current round.
 * @throws see checkStaleness first, for a header from a round past maxStaleness or not started.
 */
export function noDispatch(
  h: Pick<UpdateHeader, 'clientId' | 'round' | 'attempt'>,
  current: number,
  maxStaleness: number,
  runId: string,
): StaleRoundError {
  checkStaleness(current, h.round, maxStaleness, { runId, clientId: h.clientId });
  return new StaleRoundError(
    `client ${h.clientId} has no dispatch ${h.attempt ?? 0} from round ${h.round} of run ${runId} (its deadline ` +
      `passed, or the coordinator restarted); current round is ${current}`,
    { runId, clientId: h.clientId, round: current },
  );
}

/**
 * Whether a re-sent update is the one folded under its dispatch key: true for the same digest (or one not known
 * yet, ''). @throws {DuplicateUpdateError} for a different one.
 */
export function sameUpdate(folded: string, h: Pick<UpdateHeader, 'clientId' | 'round' | 'attempt' | 'sha256'>): true {
  if (folded === h.sha256 || h.sha256 === '' || folded === '') return true;
  throw new DuplicateUpdateError(
    `client ${h.clientId} already submitted a different update for dispatch ${h.attempt ?? 0}; the first one counts`,
    { clientId: h.clientId, round: h.round },
  );
}

/** The error a client gets for a model or failure report of a round it has no outstanding dispatch from. */
export function notDispatched(runId: string, round: number, clientId: string): NotSelectedError {
  return new NotSelectedError(`client ${clientId} has no dispatch from round ${round} of run ${runId}`, {
    clientId,
    round,
  });
}
