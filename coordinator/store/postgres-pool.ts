import pg from 'pg';
import { ConfigError, ServiceUnavailableError } from '../../shared/errors/index.js';

/** A pool on the coordinator's PostgreSQL database, its statements run in `schema`. */
export interface PgDatabase {
  pool: pg.Pool;
  /** The schema fedsift's tables live in (the URL's `schema` parameter, default `fedsift`). */
  schema: string;
  /** The URL without its password, for logs. */
  location: string;
}

/** The longest a store statement may run (ms): a round commit writes a checkpoint, model-sized. */
const STATEMENT_TIMEOUT_MS = 60_000;

/** The schema of a URL without a `schema` parameter. */
const DEFAULT_PG_SCHEMA = 'fedsift';

/**
 * Opens a pool on `url` (`postgres://user[:password]@host[:port]/database[?schema=name]`, libpq's other parameters
 * as node-postgres reads them). Every connection sets `search_path` to the schema, and
 * `idle_in_transaction_session_timeout` to `idleInTransactionMs`, so a coordinator cut off mid-transaction (its
 * machine gone, a partition) cannot hold the lease row's lock for longer than that.
 * @throws {ConfigError} naming `state` for a URL that does not parse or a schema name that is not an identifier.
 */
export function openPgDatabase(url: string, idleInTransactionMs: number): PgDatabase {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`state: "${url}" is not a postgres:// URL`, { field: 'state' });
  }
  const schema = parsed.searchParams.get('schema') ?? DEFAULT_PG_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new ConfigError(`state: schema "${schema}" must be a lower-case SQL identifier (a-z, 0-9, _)`, {
      field: 'state',
    });
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    options: `-c search_path=${schema} -c idle_in_transaction_session_timeout=${Math.max(1, Math.round(idleInTransactionMs))}`,
    max: 4,
    connectionTimeoutMillis: 5_000,
    // A statement may not hang for ever on a connection a partition dropped without a word: TCP keepalive notices the
    // peer gone, the client gives the statement up after STATEMENT_TIMEOUT_MS, and so does the server.
    keepAlive: true,
    query_timeout: STATEMENT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  // An idle client's error (the server restarted, a partition) is reported on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  if (parsed.password) parsed.password = '***';
  return { pool, schema, location: parsed.toString() };
}

/** Error codes of node-postgres and the network that mean the database could not be reached (not a bad statement). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01']);

/**
 * Maps a node-postgres failure to fedsift's errors: the database out of reach (refused, reset, timed out, shut down:
 * SQLSTATE 57P01, a pool connection timeout, idle-in-transaction termination: 25P03) becomes
 * ServiceUnavailableError naming `what`; anything else is returned as is.
 */
export function pgFailure(err: unknown, what: string): unknown {
  const e = err as { code?: string; message?: string };
  const unreachable =
    (e.code !== undefined && (UNREACHABLE.has(e.code) || e.code === '25P03')) ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(e.message ?? '');
  return unreachable
    ? new ServiceUnavailableError(`PostgreSQL unreachable while ${what}: ${e.message ?? String(err)}`, { cause: err })
    : err;
}

/**
 * Runs `work` in one transaction on a client of `pool`: BEGIN, work, COMMIT; ROLLBACK when work or COMMIT fails.
 * node-postgres emits 'error' on a checked-out client whose connection drops (even mid-query), which would end the
 * process unheard: this catches it, and a client that failed so is discarded rather than returned to the pool.
 * @returns what `work` resolves to. @throws what `work` throws, or the node-postgres error (unmapped: see pgFailure).
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken ??= rollbackErr));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
