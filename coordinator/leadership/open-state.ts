import type { CoordinatorConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { openPgDatabase, PostgresRunStore, SqliteRunStore, type FencingToken, type RunStore } from '../store/index.js';
import type { Leadership } from './leadership.js';
import { PgLeadership } from './pg-leadership.js';
import { SoleLeadership } from './sole-leadership.js';

/** A coordinator's durable state and the leadership that goes with it. */
export interface CoordinatorState {
  /** undefined when runs live in memory only. */
  store: RunStore | undefined;
  leadership: Leadership;
  /** Closes the store and ends the PostgreSQL pool; after the leadership closed. */
  close(): Promise<void>;
}

/**
 * Opens the state `config` names: `stateUrl` → PostgreSQL (schema migrated), a {@link PgLeadership} campaigning as
 * `holder`, and a PostgresRunStore whose writes are fenced by `fence` (CoordinatorRole.fence: the token of the
 * current lead); `stateDir` → SqliteRunStore; neither → no
 * store. Without PostgreSQL the coordinator is alone: {@link SoleLeadership}.
 * @param address this coordinator's advertised host:port, read when it takes the lease.
 * @throws {ServiceUnavailableError} when PostgreSQL cannot be reached; {@link ConfigError} for a bad URL or a schema
 *         (or state directory) a newer fedsift wrote.
 */
export async function openState(
  config: CoordinatorConfig,
  holder: string,
  address: () => string,
  fence: () => FencingToken | null,
  logger: Logger,
): Promise<CoordinatorState> {
  if (config.stateUrl === null) {
    const store = config.stateDir === null ? undefined : new SqliteRunStore(config.stateDir);
    return { store, leadership: new SoleLeadership(), close: async () => store?.close() };
  }
  // A transaction left idle (its coordinator cut off) must not hold the lease row past the half of a lease.
  const db = openPgDatabase(config.stateUrl, config.leaseMs / 2);
  try {
    const leadership = new PgLeadership(db, { holder, address, leaseMs: config.leaseMs, logger });
    const store = await PostgresRunStore.open(db, fence); // migrates: the lease row is there
    const close = async () => {
      await store.close();
      await db.pool.end();
    };
    return { store, leadership, close };
  } catch (err) {
    await db.pool.end();
    throw err;
  }
}
