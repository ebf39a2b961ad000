import { status, type ServiceError } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  ConfigError,
  NotLeaderError,
  ServiceUnavailableError,
  SITE_CONFLICT_CODES,
  SiteInUseError,
} from '../../shared/errors/index.js';
import { errorCodeOf, isServiceError } from '../../shared/grpc-errors/index.js';
import { backoffDelay } from '../rounds/index.js';

/**
 * Join refusals that retrying cannot change: a missing or unknown token, another site's token or certificate
 * (UNAUTHENTICATED, PERMISSION_DENIED), capabilities the coordinator rejects (INVALID_ARGUMENT). Anything else
 * (unreachable, rate limited) is retried.
 */
const PERMANENT_JOIN_REFUSALS: ReadonlySet<status> = new Set([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.INVALID_ARGUMENT,
]);

/**
 * Whether the coordinator refuses this daemon because another daemon speaks for its site: its Join was refused while
 * that daemon is live (FS_ERR_SITE_IN_USE), or that daemon took the site over (FS_ERR_SITE_TAKEN_OVER). The daemon
 * then stops (exit 5) rather than retry for ever.
 */
export function isSiteConflict(err: unknown): err is ServiceError {
  return isServiceError(err) && SITE_CONFLICT_CODES.has(errorCodeOf(err));
}

/** Whether a Join was refused because a live daemon holds the site (FS_ERR_SITE_IN_USE; not a takeover). */
export function isSiteInUse(err: unknown): err is ServiceError {
  return isServiceError(err) && errorCodeOf(err) === SiteInUseError.code;
}

/**
 * Whether a call was refused by a standby coordinator (FS_ERR_NOT_LEADER): another coordinator leads the federation,
 * and a re-join moves the link there.
 */
export function isNotLeader(err: unknown): err is ServiceError {
  return isServiceError(err) && errorCodeOf(err) === NotLeaderError.code;
}

/** Whether a Join refusal is for good: PERMANENT_JOIN_REFUSALS, or another live daemon of the site (isSiteConflict). */
export function isPermanentJoinRefusal(err: unknown): err is ServiceError {
  return isServiceError(err) && (PERMANENT_JOIN_REFUSALS.has(err.code) || isSiteConflict(err));
}

/** A failed call in one line: `STATUS: details` for a gRPC error, the message otherwise. */
export function refusalReason(err: unknown): string {
  return isServiceError(err) ? `${status[err.code]}: ${err.details}` : (err as Error).message;
}

/** Why the daemon gives up joining at start-up (no answer within connectTimeoutMs), with what to check. */
export function unreachable(
  config: Pick<ClientConfig, 'coordinator' | 'connectTimeoutMs'>,
  last: unknown,
): ServiceUnavailableError {
  const { coordinator, connectTimeoutMs } = config;
  return new ServiceUnavailableError(
    `coordinator ${coordinator} unreachable for ${connectTimeoutMs / 1000} s at start-up (last: ${refusalReason(last)}). Is ` +
      '`fedsift coordinator` running there, is that its gRPC port (50051 by default; not the HTTP port of /metrics ' +
      'and the dashboard), and do the TLS settings match it (--tls-ca for a TLS coordinator, --insecure for a ' +
      "plain-text one; under mutual TLS also --tls-cert and --tls-key with this site's certificate)? " +
      '--connect-timeout 0 keeps trying',
  );
}

/**
 * The daemon's first Join: `join` retried with backoff until the coordinator answers, at most connectTimeoutMs
 * (0: for ever), or until `isClosed`. While another live daemon holds the site (FS_ERR_SITE_IN_USE) it keeps trying
 * too, so a daemon restarted after a crash joins once its predecessor's heartbeats lapse (clientTimeoutMs); a second
 * daemon started by mistake gives up (exit 5).
 * @throws the gRPC error of a refusal no retry changes (isPermanentJoinRefusal), or FS_ERR_SITE_IN_USE still after
 *   connectTimeoutMs; {ConfigError} as `join` throws it; {ServiceUnavailableError} when the coordinator did not
 *   answer within connectTimeoutMs (unreachable).
 */
export async function joinWithRetry(
  join: () => Promise<void>,
  config: Pick<ClientConfig, 'coordinator' | 'connectTimeoutMs' | 'initialBackoffMs' | 'maxBackoffMs'>,
  isClosed: () => boolean,
  log: Logger,
): Promise<void> {
  const { connectTimeoutMs, initialBackoffMs, maxBackoffMs } = config;
  const giveUpAt = connectTimeoutMs > 0 ? Date.now() + connectTimeoutMs : Infinity;
  for (let attempt = 0; !isClosed(); attempt++) {
    try {
      return await join();
    } catch (err) {
      const held = isSiteInUse(err);
      if ((isPermanentJoinRefusal(err) && !held) || err instanceof ConfigError) throw err;
      const delay = backoffDelay(attempt, initialBackoffMs, maxBackoffMs);
      if (Date.now() + delay > giveUpAt) throw held ? err : unreachable(config, err);
      const message = held ? 'site held by a live daemon; waiting for it to stop' : 'join failed; retrying';
      log.warn({ err: refusalReason(err), retryInMs: delay }, message);
      await sleep(delay);
    }
  }
}
