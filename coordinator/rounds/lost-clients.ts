import type { ClientRegistry } from '../clients/index.js';
import type { CloseReason } from './open-round-options.js';
import type { Clock } from './run-deps.js';

/** An open attempt whose selected clients answer (a training round's OpenRound, round 0's StatisticsAttempt). */
export interface ClosingAttempt {
  readonly selected: ReadonlySet<string>;
  /** Records that a selected client will answer nothing this attempt (ignored once closed). */
  fail(clientId: string, reason: string): void;
  /** Resolves when the attempt closes, with why. */
  readonly closed: Promise<CloseReason>;
}

/** How often an open attempt looks for selected clients that stopped heartbeating (ms). */
const LIVENESS_CHECK_MS = 250;

/** The failure reason of a selected client that stopped heartbeating while its attempt was open. */
export function lostClientFailure(clientTimeoutMs: number): string {
  return `client lost: no heartbeat for over ${clientTimeoutMs} ms`;
}

/**
 * Waits for `open` to close, meanwhile failing each selected client that is no longer live (no Join or Heartbeat
 * within the registry's client timeout): a site whose process died fails its attempt within the client timeout, and
 * the attempt closes with the others' answers instead of waiting out its deadline — as Flower counts a disconnected
 * client's fit as a failure at once. A failed client that delivers after all while the attempt is open still counts
 * (OpenRound.accept drops its failure).
 * @returns what closed the attempt.
 */
export async function closeFailingLostClients(
  open: ClosingAttempt,
  clients: ClientRegistry,
  clock: Clock,
): Promise<CloseReason> {
  const reason = lostClientFailure(clients.clientTimeoutMs);
  const timer = setInterval(() => {
    const now = clock.now();
    for (const id of open.selected) if (!clients.isLive(id, now)) open.fail(id, reason);
  }, LIVENESS_CHECK_MS);
  try {
    return await open.closed;
  } finally {
    clearInterval(timer);
  }
}
