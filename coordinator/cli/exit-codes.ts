import { status } from '@grpc/grpc-js';
import {
  ConfigError,
  DataError,
  FedsiftError,
  NotLeaderError,
  ServiceUnavailableError,
  SITE_CONFLICT_CODES,
} from '../../shared/errors/index.js';
import { errorCodeOf, isServiceError } from '../../shared/grpc-errors/index.js';

/**
 * Exit codes of `fedsift` (README "CLI"): 0 success; 1 unexpected error; 2 bad config, flags or data;
 * 3 coordinator (or, at start-up, NATS, PostgreSQL or the listening address) unavailable, or a standby; 4 the coordinator refused the request, or
 * the run failed or was stopped; 5 (`fedsift client`) another daemon speaks for the site: its Join was refused, or it
 * was taken over.
 */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof ConfigError || err instanceof DataError) return { code: 2, message: err.message };
  if (err instanceof FedsiftError && SITE_CONFLICT_CODES.has(err.code)) return { code: 5, message: err.message };
  if (isServiceError(err) && SITE_CONFLICT_CODES.has(errorCodeOf(err))) return { code: 5, message: err.details };
  if (err instanceof ServiceUnavailableError || err instanceof NotLeaderError) return { code: 3, message: err.message };
  if (isServiceError(err) && errorCodeOf(err) === NotLeaderError.code)
    return { code: 3, message: `${err.details}: run the command against the leader (--coordinator HOST:PORT)` };
  // Only StartRun answers with a ConfigError (the other Admin calls and the Coordinator service raise none): a run
  // config it refused reads as the CLI's own (`invalid run config:`, then the field; an empty or non-JSON config_json,
  // which `fedsift run start` never sends, names itself). Printed as is, so one bad field looks the same wherever it
  // was caught; still exit 4, a refusal.
  if (isServiceError(err) && errorCodeOf(err) === ConfigError.code) return { code: 4, message: err.details };
  if (isServiceError(err)) {
    if (err.code === status.UNAVAILABLE) {
      return {
        code: 3,
        message: `coordinator unreachable (${err.details}); is \`fedsift coordinator\` running at that address, and do the TLS settings match it (--tls-ca for a TLS coordinator, --insecure for a plain-text one; under mutual TLS also --tls-cert and --tls-key: \`fedsift run\` with the operator's certificate, operator.pem of \`fedsift certs\`, a site with its own)?`,
      };
    }
    return { code: 4, message: `coordinator refused: ${status[err.code]}: ${err.details}` };
  }
  if (err instanceof FedsiftError) return { code: 4, message: err.message };
  return { code: 1, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
