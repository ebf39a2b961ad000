import type pg from 'pg';
import { LeadershipLostError } from '../../shared/errors/index.js';
import { inTransaction } from './postgres-pool.js';
import type { FencingToken } from './store.js';

/** One statement of a fenced write: SQL with $n placeholders and their values. */
export type WriteQuery = (sql: string, values: unknown[]) => Promise<unknown>;

/**
 * Runs `work` in one transaction fenced by the leader lease. With `fence`, the token is read first (null: refused
 * before anything is sent) and work writes under its generation; then, as the last statement before COMMIT, the
 * transaction locks the lease row FOR SHARE and compares it with the token, and with fence() once more. A take-over
 * (an UPDATE of the row) that committed before that lock is seen and the writes are rolled back; one that comes later
 * waits for this COMMIT. The lock is held only from that check to COMMIT, never while work writes a large checkpoint,
 * so the leader's own renewals do not queue behind its commits. Without `fence`, no check: work gets generation 0.
 * @throws {LeadershipLostError} when fence() is null, changed, or not the row's holder and generation: rolled back,
 *         nothing written. Otherwise what `work` or node-postgres throws (unmapped: see pgFailure).
 */
export function fencedTransaction(
  pool: pg.Pool,
  fence: (() => FencingToken | null) | undefined,
  work: (query: WriteQuery, generation: number) => Promise<unknown>,
): Promise<void> {
  const token = fence ? fence() : { holder: '', generation: 0 };
  if (!token) return Promise.reject(notHolding());
  return inTransaction(pool, async (client) => {
    await work((sql, values) => client.query(sql, values), token.generation);
    if (fence) await checkLease(client, fence, token);
  }).catch(async (err: unknown) => {
    // A write that failed (e.g. its round was committed meanwhile by a new leader) says why when the lead is gone.
    if (fence && !(err instanceof LeadershipLostError) && !(await stillHolding(pool, fence, token)))
      throw new LeadershipLostError(
        `write refused: this coordinator's lead ended while it wrote (${(err as Error).message})`,
        { cause: err },
      );
    throw err;
  });
}

/** Whether `token` is still fence()'s and the lease row's; true when the row cannot be read (the write's error says more). */
async function stillHolding(pool: pg.Pool, fence: () => FencingToken | null, token: FencingToken): Promise<boolean> {
  const now = fence();
  if (!now || now.holder !== token.holder || now.generation !== token.generation) return false;
  const row = await pool
    .query<{ holder: string; generation: string }>('SELECT holder, generation FROM leader_lease WHERE id = 1')
    .then((r) => r.rows[0])
    .catch(() => undefined);
  return row === undefined || (row.holder === token.holder && Number(row.generation) === token.generation);
}

const notHolding = () =>
  new LeadershipLostError('write refused: this coordinator does not hold the leader lease (any more)');

/**
 * Locks the lease row FOR SHARE and checks that `token` is still this coordinator's (fence()) and the row's.
 * @throws {LeadershipLostError} (see above).
 */
async function checkLease(client: pg.PoolClient, fence: () => FencingToken | null, token: FencingToken): Promise<void> {
  const { rows } = await client.query<{ holder: string; generation: string }>(
    'SELECT holder, generation FROM leader_lease WHERE id = 1 FOR SHARE',
  );
  const row = rows[0];
  const now = fence();
  if (!now || now.holder !== token.holder || now.generation !== token.generation) throw notHolding();
  if (!row || row.holder !== token.holder || Number(row.generation) !== token.generation)
    throw new LeadershipLostError(
      `write refused: the leader lease is now ${row ? `${row.holder || 'free'}'s, generation ${row.generation}` : 'gone'}, ` +
        `not ${token.holder}'s generation ${token.generation}: another coordinator took the lead`,
    );
}
