import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aggregator } from '../../coordinator/aggregator/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { startTestAggregator } from '../helpers/aggregators.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { runSimulatedSites, type SiteTraining } from '../helpers/simulated-sites.js';

/** Site k's update: the global model moved by (k + 1)·0.01·((i mod 5) − 2), a different direction per site. */
const train: SiteTraining = (g, site) => ({
  specs: g.specs,
  values: g.values.map((v, i) => v + 0.01 * (site + 1) * ((i % 5) - 2)),
});
/** Site k holds 10 + 7k examples: FedAvg weighs the sites differently. */
const examples = (site: number) => 10 + 7 * site;
const PARAMS = 1000;

/** A run of `rounds` rounds over the sites at each address (sites numbered across them), to its end. */
async function runOver(
  c: Coordinator,
  runtime: FixedModelRuntime,
  groups: { address: string; first: number; count: number }[],
  run: Record<string, unknown>,
  live: () => boolean,
) {
  const sims = groups.map((g) => runSimulatedSites(g.address, g.first, g.count, undefined, train, examples));
  await waitFor('every site and aggregator live', () => (live() ? true : undefined));
  const { runId } = await c.manager.startRun({ model: 'mlp', roundDeadlineMs: 60_000, ...run });
  const status = await waitForRunState(c, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
  const reports = await Promise.all(sims);
  assert.equal(status.state, 'RUN_STATE_COMPLETED', status.error);
  assert.deepEqual(
    reports.flatMap((r) => r.errors),
    [],
  );
  return { status, models: runtime.evaluated.map((m) => m.values) };
}

async function flatRun(strategy: Record<string, unknown>, rounds: number) {
  const runtime = new FixedModelRuntime(PARAMS);
  const c = await startTestCoordinator({}, { runtime });
  try {
    const run = { rounds, clientsPerRound: 6, minClients: 6, strategy };
    return await runOver(c, runtime, [{ address: c.address, first: 0, count: 6 }], run, () => c.liveClients() === 6);
  } finally {
    await c.close();
  }
}

async function hierarchicalRun(strategy: Record<string, unknown>, rounds: number) {
  const runtime = new FixedModelRuntime(PARAMS);
  const c = await startTestCoordinator({}, { runtime });
  const aggregators: Aggregator[] = [];
  try {
    for (const id of ['agg-a', 'agg-b']) aggregators.push(await startTestAggregator(c.address, id));
    const [a, b] = aggregators as [Aggregator, Aggregator];
    const groups = [
      { address: a.address, first: 0, count: 3 },
      { address: b.address, first: 3, count: 3 },
    ];
    const run = { rounds, clientsPerRound: 2, minClients: 2, hierarchical: true, strategy };
    const live = () => c.liveClients() === 2 && a.liveClients() === 3 && b.liveClients() === 3;
    return await runOver(c, runtime, groups, run, live);
  } finally {
    for (const g of aggregators) await g.close();
    await c.close();
  }
}

function assertSameModels(actual: Float32Array[], expected: Float32Array[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((m, r) => {
    for (let i = 0; i < m.length; i++) {
      const tolerance = 1e-5 * Math.max(1, Math.abs(expected[r]![i]!));
      assert.ok(
        Math.abs(m[i]! - expected[r]![i]!) <= tolerance,
        `model ${r}, value ${i}: ${m[i]} ≠ ${expected[r]![i]}`,
      );
    }
  });
}

describe('hierarchical aggregation', () => {
  for (const strategy of [{ name: 'fedavg' }, { name: 'fedavgm', serverMomentum: 0.5 }]) {
    it(`2 aggregators × 3 clients give the flat run's global models (${strategy.name}, 2 rounds)`, async () => {
      const flat = await flatRun(strategy, 2);
      const tiered = await hierarchicalRun(strategy, 2);
      assertSameModels(tiered.models, flat.models);
      for (const round of tiered.status.rounds) {
        assert.equal(round.responded, 2);
        assert.equal(round.clientUpdates, 6);
        assert.equal(round.subFleetFailed, 0);
      }
      assert.deepEqual(
        flat.status.rounds.map((r) => r.clientUpdates),
        [6, 6],
      );
    });
  }

  it("killing one aggregator mid-round (its process closed: no more heartbeats) leaves a round of the other's 3 clients", async () => {
    const runtime = new FixedModelRuntime(PARAMS);
    const c = await startTestCoordinator({ heartbeatIntervalMs: 200, clientTimeoutMs: 1_500 }, { runtime });
    const a = await startTestAggregator(c.address, 'agg-a');
    const b = await startTestAggregator(c.address, 'agg-b');
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let held!: () => void;
      const holding = new Promise<void>((r) => (held = r));
      // A's first site holds its update until A is gone: A's attempt is open when it dies.
      const hold = async (play: () => Promise<number>) => {
        held();
        await gate;
        await play();
      };
      const simsA = runSimulatedSites(a.address, 0, 3, hold, train, examples);
      const simsB = runSimulatedSites(b.address, 3, 3, undefined, train, examples);
      await waitFor('both aggregators and their sites live', () =>
        c.liveClients() === 2 && a.liveClients() === 3 && b.liveClients() === 3 ? true : undefined,
      );
      const run = { rounds: 1, clientsPerRound: 2, minClients: 1, hierarchical: true, roundDeadlineMs: 60_000 };
      const { runId } = await c.manager.startRun({ model: 'mlp', ...run });
      await holding;
      await a.close();
      release();
      const status = await waitForRunState(c, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(status.state, 'RUN_STATE_COMPLETED', status.error);
      const [round] = status.rounds;
      assert.equal(round!.responded, 1);
      assert.equal(round!.clientUpdates, 3);
      assert.deepEqual(
        round!.failures.map((f) => f.clientId),
        [a.upstreamClientId],
      );
      // The new global model is the FedAvg of B's three sites (3, 4, 5) alone.
      const initial = await runtime.initialWeights();
      const sites = [3, 4, 5];
      const total = sites.reduce((s, k) => s + examples(k), 0);
      const expected = initial.values.map((_, i) =>
        sites.reduce((s, k) => s + (examples(k) / total) * train(initial, k).values[i]!, 0),
      );
      assertSameModels([runtime.evaluated.at(-1)!.values], [expected]);
      assert.deepEqual((await simsB).errors, []);
      await simsA; // A's sites lost their aggregator: their errors are expected
    } finally {
      await b.close();
      await a.close();
      await c.close();
    }
  });
});
