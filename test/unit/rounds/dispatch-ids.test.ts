import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DispatchIds } from '../../../coordinator/rounds/async/dispatch-ids.js';
import type { RunStore } from '../../../coordinator/store/index.js';
import { LeadershipLostError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { postgresStoreFixture, sqliteStoreFixture, type StoreFixture } from '../../helpers/run-stores.js';

const RUN = 'run-async';

/**
 * Dispatch ids of RUN on `store` from `from`: `reservation()` resolves at the next durable reservation, or rejects
 * with the store's error.
 */
function idsOn(store: RunStore | undefined, from: { reserved: number; nextDispatch?: number }) {
  let settle: { resolve(): void; reject(err: Error): void } | undefined;
  const ids = new DispatchIds({
    runId: RUN,
    store,
    from,
    onReserved: () => settle?.resolve(),
    onFailure: (err) => settle?.reject(err),
  });
  const reservation = () => new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  return { ids, reservation };
}

/** Takes the next id, reserving a block first when none is reserved (as a dispatch does, once onReserved came). */
async function takeReserved(x: ReturnType<typeof idsOn>): Promise<number> {
  const reserved = x.reservation();
  const id = x.ids.take();
  if (id !== undefined) return id;
  await reserved;
  return x.ids.take()!;
}

describe('dispatch batch ids of an asynchronous run', () => {
  let f: StoreFixture;
  let store: RunStore;
  beforeEach(async () => {
    f = sqliteStoreFixture();
    store = await f.open();
    await store.createRun(RUN, '{}', 'RUN_STATE_RUNNING', 1000);
  });
  afterEach(() => f.dispose());

  it('hands out no id before the store holds it reserved, then ids in order, reserving 64 at a time', async () => {
    // Prepare
    const x = idsOn(store, { reserved: 0 });

    // Execute
    const first = x.ids.take();
    const taken = [];
    for (let i = 0; i < 65; i++) taken.push(await takeReserved(x));

    // Assert
    assert.equal(first, undefined, 'nothing reserved yet');
    assert.deepEqual(
      taken,
      Array.from({ length: 65 }, (_, i) => i + 1),
    );
    assert.equal((await store.runs())[0]!.dispatchIdsReserved, 128, 'two blocks of 64');
  });

  it('starts a resumed run after the stored mark, past the ids its checkpoint knows', async () => {
    // Prepare: the run before the restart reserved 1–64 and handed out 1–6; version 1's checkpoint knows 1–4
    await store.reserveDispatchIds(RUN, 64);
    const x = idsOn(store, { reserved: (await store.runs())[0]!.dispatchIdsReserved, nextDispatch: 5 });

    // Execute
    const id = await takeReserved(x);

    // Assert
    assert.equal(id, 65);
    assert.equal(x.ids.next, 66);
  });

  it("resumes state an older fedsift wrote (no mark) from its checkpoint's next id", async () => {
    // Execute
    const id = await takeReserved(idsOn(store, { reserved: 0, nextDispatch: 7 }));

    // Assert
    assert.equal(id, 7);
    assert.equal((await store.runs())[0]!.dispatchIdsReserved, 70);
  });

  it('hands out every id at once without a store (a run that cannot resume)', () => {
    // Execute
    const { ids } = idsOn(undefined, { reserved: 0 });

    // Assert
    assert.deepEqual([ids.take(), ids.take(), ids.take()], [1, 2, 3]);
  });
});

describe('dispatch batch ids when the store refuses the reservation', () => {
  it("reports the store's error and hands out no id: a coordinator that lost the lead dispatches nothing more", async () => {
    // Prepare: a fenced PostgreSQL store whose coordinator does not hold the lease
    const f = postgresStoreFixture();
    try {
      await (await f.open()).createRun(RUN, '{}', 'RUN_STATE_RUNNING', 1000);
      const x = idsOn(await f.open(() => null), { reserved: 0 });
      const reservation = x.reservation();

      // Execute
      const first = x.ids.take();

      // Assert
      await assert.rejects(reservation, fedsiftError(LeadershipLostError, /does not hold the leader lease/));
      assert.deepEqual([first, x.ids.take()], [undefined, undefined]);
      assert.equal((await f.sql<{ r: string }>('SELECT dispatch_ids_reserved AS r FROM runs'))[0]!.r, '0');
    } finally {
      await f.dispose();
    }
  });
});
