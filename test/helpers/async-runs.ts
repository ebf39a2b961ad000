import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { startTestCoordinator, waitFor } from './coordinators.js';
import { FixedModelRuntime } from './fixed-runtime.js';
import { joinProtocolClients, type TestClient } from './protocol.js';

/** A coordinator with a 2-value model (w₀ = [0, 1]), `n` joined protocol clients, and what they heard announced. */
export async function asyncFixture(n: number, coordinator: Record<string, unknown> = {}) {
  const runtime = new FixedModelRuntime(2);
  const c = await startTestCoordinator(coordinator, { runtime });
  const clients = await joinProtocolClients(c.address, n);
  const heard: RoundAnnouncement[] = [];
  const watch = clients[0]!.link.watchRounds(clients[0]!.clientId);
  watch.on('data', (a: RoundAnnouncement) => heard.push(a));
  watch.on('error', () => undefined); // cancelled at the end
  const close = async () => {
    watch.cancel();
    clients.forEach((t) => t.link.close());
    await c.close();
  };
  return { runtime, coordinator: c, clients, heard, close };
}

/** An asynchronous run of `rounds` versions, one update each (bufferSize 1), over every joined client; `extra` overrides. */
export function startAsyncRun(
  c: Coordinator,
  clients: number,
  rounds: number,
  maxStaleness: number,
  extra: Record<string, unknown> = {},
) {
  return c.manager.startRun({
    mode: 'async',
    async: { bufferSize: 1, maxConcurrency: clients, maxStaleness },
    rounds,
    clientsPerRound: clients,
    minClients: 1,
    minAvailableClients: clients,
    roundDeadlineMs: 3_600_000, // no dispatch ends at its deadline during a test, unless `extra` sets one
    model: 'mlp',
    ...extra,
  });
}

/** Waits for the first dispatch of `client` that `match` accepts (`what` names it in a timeout). */
function dispatchWhere(
  heard: RoundAnnouncement[],
  client: TestClient,
  what: string,
  match: (a: RoundAnnouncement) => boolean,
): Promise<RoundAnnouncement> {
  return waitFor(`dispatch of ${client.clientId} ${what}`, () =>
    heard.find((h) => h.phase === 'ROUND_PHASE_FIT' && h.selectedClientIds.includes(client.clientId) && match(h)),
  );
}

/** Waits for the dispatch of `client` from `round` and returns its batch id (the announcement's attempt). */
export async function dispatchOf(heard: RoundAnnouncement[], client: TestClient, round: number): Promise<number> {
  return (await dispatchWhere(heard, client, `from round ${round}`, (h) => h.round === round)).attempt;
}

/** Waits for the first dispatch of `client` in a batch after `batch`: its round and batch id. */
export async function dispatchAfter(
  heard: RoundAnnouncement[],
  client: TestClient,
  batch: number,
): Promise<{ round: number; attempt: number }> {
  const { round, attempt } = await dispatchWhere(heard, client, `after batch ${batch}`, (h) => h.attempt > batch);
  return { round, attempt };
}

/** Submits `values` (1 example) as `client`'s update of dispatch `attempt` from `round`. */
export function submit(runId: string, client: TestClient, round: number, attempt: number, values: number[]) {
  const update = {
    runId,
    round,
    attempt,
    clientId: client.clientId,
    numExamples: 1,
    metrics: { train_loss: 1 },
    weights: {
      specs: [{ name: 'fixed/kernel', shape: [2], dtype: 'float32' as const }],
      values: Float32Array.from(values),
    },
  };
  return client.link.submitUpdate(update, MAX_CHUNK_BYTES);
}
