import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { stringify } from 'csv-stringify/sync';
import { AdminClient } from '../../coordinator/operator/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { artifactFromWire } from '../../shared/models/index.js';
import type {
  ClientCapabilities,
  RoundAnnouncement,
  RunSpec,
  RunSpecRequest,
  SiteStatistics,
  StatisticsAck,
} from '../../shared/proto/index.js';
import {
  combineStatistics,
  encodedWidth,
  parseTable,
  schemaJson,
  schemaSha256,
  siteStatistics,
  statisticsProblem,
  type SiteSums,
} from '../../shared/tabular/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { penguinRows, penguinSchema } from '../helpers/penguins.js';
import { joinProtocolClient, rawCoordinatorStub, refusal, type TestClient } from '../helpers/protocol.js';

type Unary<Req, Res> = (req: Req, cb: (err: ServiceError | null, res?: Res) => void) => void;
type RunSpecCalls = {
  FetchRunSpec: Unary<RunSpecRequest, RunSpec>;
  SubmitStatistics: Unary<SiteStatistics, StatisticsAck>;
};

/** impute-mean and standardize: the run needs the feature statistics of round 0 to encode any table. */
const schema = penguinSchema({ missing: 'impute-mean' });
const [header, ...body] = penguinRows(true) as [string[], ...string[][]];
/** Every 5th penguin is held out as the coordinator's test table; the rest are the sites'. */
const held = body.filter((_, i) => i % 5 === 0);
const train = body.filter((_, i) => i % 5 !== 0);
/** Three sites of unequal sizes (the source is sorted by species: their means differ), and one with 5 rows. */
const siteRows = [train.slice(0, 60), train.slice(60, 160), train.slice(160)];
const sums = siteRows.map((rows) => siteStatistics(parseTable([header, ...rows], schema)));
const tiny = siteStatistics(parseTable([header, ...train.slice(0, 5)], schema));

/** A site whose data was read with `s`, holding `rows` rows. */
const caps = (rows: number, s = schema): ClientCapabilities => ({
  numExamples: rows,
  backend: 'none',
  numFeatures: encodedWidth(s),
  numLabelClasses: 3,
  schemaSha256: schemaSha256(s),
});

/** The held-out table as a CSV file in a fresh folder. @returns the folder and the file's path. */
function heldOutCsv(): { dir: string; testPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-statistics-'));
  const testPath = join(dir, 'held-out.csv');
  writeFileSync(testPath, stringify([header, ...held]));
  return { dir, testPath };
}

/** The run config of the tests: mlp:8 on the penguins schema, quorum 3, evaluated on the held-out table. */
const runConfig = (testPath: string, o: Record<string, unknown> = {}) => ({
  model: 'mlp:8',
  schema,
  testData: { kind: 'csv', path: testPath },
  rounds: 1,
  localEpochs: 1,
  clientsPerRound: 5,
  minClients: 3,
  roundDeadlineMs: 120_000,
  ...o,
});

/**
 * Sites joined to coordinator `c` (as raw gRPC clients), each with a stub for FetchRunSpec and SubmitStatistics; the
 * first site watches the rounds (`heard`). Close it at the end.
 */
async function sitesOf(c: Coordinator, sites: [siteId: string, capabilities: ClientCapabilities][]) {
  const joined = await Promise.all(sites.map(([id, capabilities]) => joinProtocolClient(c.address, id, capabilities)));
  const stubs = new Map(joined.map((x) => [x, rawCoordinatorStub<RunSpecCalls>(c.address, x.link)]));
  /** `x` calls `rpc` with `req`. */
  const call = <Req, Res>(x: TestClient, rpc: (s: RunSpecCalls) => Unary<Req, Res>, req: Req) =>
    new Promise<Res>((resolve, reject) =>
      rpc(stubs.get(x)!).call(stubs.get(x), req, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  const heard: RoundAnnouncement[] = [];
  const watch = joined[0]!.link.watchRounds(joined[0]!.clientId);
  watch.on('data', (a: RoundAnnouncement) => heard.push(a));
  watch.on('error', () => undefined); // cancelled at the end
  return {
    sites: joined,
    heard,
    /** The first announcement of `phase` heard. */
    announced: (phase: RoundAnnouncement['phase']) => () => heard.find((a) => a.phase === phase),
    fetchSpec: (x: TestClient, runId: string) => call(x, (s) => s.FetchRunSpec, { runId, clientId: x.clientId }),
    submit: (x: TestClient, runId: string, sums: SiteSums) =>
      call(x, (s) => s.SubmitStatistics, { runId, clientId: x.clientId, ...sums }),
    close() {
      watch.cancel();
      for (const s of stubs.values()) s.close();
      for (const x of joined) x.link.close();
    },
  };
}

describe('round 0: federated feature statistics over gRPC', () => {
  it('gathers the sites’ sums, refuses bad ones with the reason, and serves the combined statistics', async () => {
    // Prepare: a coordinator with the real tfjs runtime; sites a, b, c, a small one, and one with another schema
    const { testPath } = heldOutCsv();
    const c = await startTestCoordinator();
    const f = await sitesOf(c, [
      ['site-a', caps(60)],
      ['site-b', caps(100)],
      ['site-c', caps(siteRows[2]!.length)],
      ['site-small', caps(5)],
      ['site-other-schema', caps(100, penguinSchema({ missing: 'drop' }))],
    ]);
    const [a, b, cc, small, stranger] = f.sites as [TestClient, TestClient, TestClient, TestClient, TestClient];
    const { fetchSpec, submit, announced } = f;
    const admin = new AdminClient(c.address);
    try {
      const { runId } = await c.manager.startRun(runConfig(testPath, { minAvailableClients: 4 }));

      // Execute: round 0
      const round0 = await waitFor('round 0 announced', announced('ROUND_PHASE_STATISTICS'));
      const before = await fetchSpec(a, runId);
      const bad = {
        ...sums[0]!,
        numeric: sums[0]!.numeric.map((n, i) => (i ? n : { ...n, count: sums[0]!.rows + 1 })),
      };
      const malformed = await refusal(submit(a, runId, bad));
      const notSelected = await refusal(submit(stranger, runId, sums[1]!));
      const tooSmall = await refusal(submit(small, runId, tiny));
      const acks = [
        await submit(a, runId, sums[0]!),
        await submit(b, runId, sums[1]!),
        await submit(cc, runId, sums[2]!),
      ];
      const fit = await waitFor('round 1 announced', announced('ROUND_PHASE_FIT'));
      const after = await fetchSpec(b, runId);
      const late = await refusal(submit(a, runId, sums[0]!));
      const viaAdmin = await admin.getRun(runId);

      // Assert: round 0 asked every eligible site, not the one with another schema
      const ids = (xs: TestClient[]) => xs.map((x) => x.clientId).sort();
      assert.deepEqual([round0.round, round0.modelName], [0, 'mlp:8']);
      assert.deepEqual([...round0.selectedClientIds].sort(), ids([a, b, cc, small]));
      assert.equal(before.sha256, round0.runSpecSha256);
      assert.equal(before.statistics, null, 'no statistics before round 0 ends');
      assert.deepEqual([before.schemaJson, before.inputShape, before.numClasses], [schemaJson(schema), [9], 3]);
      assert.doesNotThrow(() => artifactFromWire(before), 'the topology is a tfjs model');
      // the refusals, each with its reason; the round went on
      assert.equal(malformed?.code, status.INVALID_ARGUMENT);
      assert.equal(malformed.details, `SubmitStatistics: ${statisticsProblem(schema, bad)}`);
      assert.equal(notSelected?.code, status.PERMISSION_DENIED);
      assert.equal(tooSmall?.code, status.FAILED_PRECONDITION);
      assert.match(
        tooSmall.details,
        /has 5 rows, fewer than the schema's minSiteRows \(10\): the site sends no statistics/,
      );
      assert.deepEqual(
        acks.map((x) => x.accepted),
        [true, true, true],
      );
      assert.equal(late?.code, status.FAILED_PRECONDITION, 'round 1: no statistics taken');
      // the combined statistics, in the RunSpec (with a new hash) and in the run's status
      const expected = combineStatistics(schema, sums);
      assert.notEqual(fit.runSpecSha256, round0.runSpecSha256, 'the spec changed with the statistics');
      assert.equal(after.sha256, fit.runSpecSha256);
      assert.deepEqual(after.statistics, expected);
      assert.deepEqual(viaAdmin.featureStatistics, expected);
      assert.deepEqual([...fit.selectedClientIds].sort(), ids([a, b, cc, small]), 'not the other schema');
      const pooled = combineStatistics(schema, [siteStatistics(parseTable([header, ...train], schema))]);
      after.statistics!.numeric.forEach((col, k) => {
        for (const key of ['mean', 'std'] as const) {
          const want = pooled.numeric[k]![key];
          assert.ok(Math.abs(col[key] - want) <= 1e-9 * Math.abs(want), `${col.name} ${key}: ${col[key]} vs ${want}`);
        }
      });

      // Execute + Assert: round 1 trains as usual, evaluated on the held-out table encoded with the statistics
      for (const x of [a, b, cc, small]) {
        const { weights } = await x.link.fetchModel(runId, 1, x.clientId);
        const u = { runId, round: 1, clientId: x.clientId, numExamples: 5, metrics: {}, weights };
        await x.link.submitUpdate(u, MAX_CHUNK_BYTES);
      }
      const done = await waitForRunState(c, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(done.state, 'RUN_STATE_COMPLETED', done.error);
      assert.deepEqual(
        done.rounds.map((r) => r.round),
        [1],
        'round 0 is no training round',
      );
      assert.ok(done.rounds[0]!.testAccuracy >= 0 && done.rounds[0]!.testAccuracy <= 1, 'evaluated');
    } finally {
      f.close();
      admin.close();
      await c.close();
    }
  });

  it('keeps them with the run: a resumed run does not gather them again', async () => {
    // Prepare: round 0 gathered, then the coordinator stops while round 1 is open
    const { dir, testPath } = heldOutCsv();
    const stateDir = join(dir, 'state');
    const sites: [string, ClientCapabilities][] = [0, 1, 2].map((i) => [`site-${i}`, caps(siteRows[i]!.length)]);
    const first = await startTestCoordinator({ stateDir });
    const before = await sitesOf(first, sites);
    const { runId } = await first.manager.startRun(runConfig(testPath));
    await waitFor('round 0 announced', before.announced('ROUND_PHASE_STATISTICS'));
    await Promise.all(before.sites.map((x, i) => before.submit(x, runId, sums[i]!)));
    await waitFor('round 1 announced', before.announced('ROUND_PHASE_FIT'));
    const gathered = first.manager.get(runId).status().featureStatistics;
    before.close();
    await first.close();

    // Execute: a new coordinator on the state directory; the sites join it
    const second = await startTestCoordinator({ stateDir });
    const after = await sitesOf(second, sites);
    try {
      const fit = await waitFor('round 1 announced again', after.announced('ROUND_PHASE_FIT'));
      const spec = await after.fetchSpec(after.sites[0]!, runId);

      // Assert
      assert.deepEqual(gathered, combineStatistics(schema, sums));
      assert.deepEqual(second.manager.get(runId).status().featureStatistics, gathered);
      assert.deepEqual(spec.statistics, gathered);
      assert.equal(fit.runSpecSha256, spec.sha256);
      assert.ok(!after.heard.some((a) => a.phase === 'ROUND_PHASE_STATISTICS'), 'no round 0 again');
    } finally {
      after.close();
      await second.close();
    }
  });
});
