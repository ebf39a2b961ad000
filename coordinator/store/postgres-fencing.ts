import type pg from 'pg';
import { LeadershipLostError } from '../../shared/errors/index.js';
import { inTransaction } from './postgres-pool.js';
import type { FencingToken } from './store.js';

/** One statement of a fenced write: SQL with $n placeholders and their values. */
export type WriteQuery = (sql: string, values: unknown[]) => Promise<unknown>;

/**
 * Runs `work` in one transaction fenced by the leader lease. With `fence`, the transaction first locks the lease row
 * FOR SHARE (a take-over, which updates the row, waits until this transaction ends) and then compares it with
 * fence(), read only once the row is locked; work gets the lease generation. Without `fence`, no check: work gets 0.
 * @throws {LeadershipLostError} when fence() is null or not the row's holder and generation: rolled back, nothing
 * written. Otherwise what `work` or node-postgres throws (unmapped: see pgFailure).
 */
export function fencedTransaction(
  pool: pg.Pool,
  fence: (() => FencingToken | null) | undefined,
  work: (query: WriteQuery, generation: number) => Promise<unknown>,
): Promise<void> {
  return inTransaction(pool, async (client) => {
    const generation = fence ? await lockLease(client, fence) : 0;
    await work((sql, values) => client.query(sql, values), generation);
  });
}

/** Locks the lease row FOR SHARE and returns the generation of fence(). @throws {LeadershipLostError} (see above). */
async function lockLease(client: pg.PoolClient, fence: () => FencingToken | null): Promise<number> {
  const { rows } = await client.query<{ holder: string; generation: string }>(
    'SELECT holder, generation FROM leader_lease WHERE id = 1 FOR SHARE',
  );
  const row = rows[0];
  const token = fence();
  if (!token)
    throw new LeadershipLostError('write refused: this coordinator does not hold the leader lease (any more)');
  if (!row || row.holder !== token.holder || Number(row.generation) !== token.generation)
    throw new LeadershipLostError(
      `write refused: the leader lease is now ${row ? `${row.holder || 'free'}'s, generation ${row.generation}` : 'gone'}, ` +
        `not ${token.holder}'s generation ${token.generation}: another coordinator took the lead`,
    );
  return token.generation;
}
