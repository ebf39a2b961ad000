import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, makeGenericClientConstructor, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import pg from 'pg';
import { CoordinatorLink } from '../../client-node/link/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { AdminClient } from '../../coordinator/operator/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { PROTOCOL_VERSION } from '../../shared/contract/index.js';
import { errorCodeOf } from '../../shared/grpc-errors/index.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { TEST_PG_URL, testSchema, type TestSchema } from '../helpers/postgres.js';
import { joinProtocolClient, rawCoordinatorStub, refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

/** Short enough that a standby polls often (every 500 ms); long enough for a loaded machine's renewals. */
const LEASE_MS = 2_000;
const RUN = { rounds: 2, clientsPerRound: 1, minClients: 1, minAvailableClients: 1, model: 'mlp' };
const STANDBY_REFUSAL = /^this coordinator is a standby; /;

/** Two coordinators on one fresh schema, the first started alone (so it leads), with a fixed-size model each. */
async function pairOnOneSchema(): Promise<{ schema: TestSchema; first: Coordinator; second: Coordinator }> {
  const schema = testSchema();
  const config = { stateUrl: schema.url, leaseMs: LEASE_MS };
  const first = await startTestCoordinator(config, { runtime: new FixedModelRuntime(2) });
  const second = await startTestCoordinator(config, { runtime: new FixedModelRuntime(2) });
  return { schema, first, second };
}

type HealthStub = Client & {
  check(req: { service: string }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
};

/** grpc.health.v1 statuses of the server ('') and both fedsift services, as the coordinator at `address` answers. */
async function healthOf(address: string): Promise<string[]> {
  const Health = makeGenericClientConstructor(healthService as never, 'Health');
  const stub = new Health(address, credentials.createInsecure()) as unknown as HealthStub;
  try {
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        stub.check({ service }, (err, res) => (err ? reject(err) : resolve(String(res!.status)))),
      );
    return await Promise.all(['', 'fedsift.v1.Coordinator', 'fedsift.v1.Admin'].map(check));
  } finally {
    stub.close();
  }
}

/** /readyz of a coordinator: HTTP status, role and checks. */
async function readyz(c: Coordinator): Promise<{ http: number; role: string; checks: Record<string, boolean> }> {
  const res = await fetch(`http://127.0.0.1:${c.httpPort}/readyz`);
  const body = (await res.json()) as { role: string; checks: Record<string, boolean> };
  return { http: res.status, role: body.role, checks: body.checks };
}

/** Asserts a standby's refusal: UNAVAILABLE, FS_ERR_NOT_LEADER, naming the leader when `leader` is given. */
function assertNotLeader(err: ServiceError | undefined, leader?: string): void {
  assert.ok(err, 'expected the call to be refused');
  assert.equal(err.code, status.UNAVAILABLE, err.details);
  assert.equal(errorCodeOf(err), 'FS_ERR_NOT_LEADER');
  assert.match(err.details, STANDBY_REFUSAL);
  if (leader) assert.equal(err.details, `this coordinator is a standby; the leader is ${leader}`);
}

describe('two coordinators on one PostgreSQL: one leads, the other stands by', () => {
  let schema: TestSchema;
  let leader: Coordinator;
  let standby: Coordinator;

  before(async () => {
    ({ schema, first: leader, second: standby } = await pairOnOneSchema());
  });
  after(async () => {
    await standby?.close();
    await leader?.close();
    await schema?.drop();
  });

  it('the leader serves; the standby answers health NOT_SERVING and /readyz 503 with its role', async () => {
    // Execute
    const [leaderHealth, standbyHealth] = await Promise.all([healthOf(leader.address), healthOf(standby.address)]);
    const [leaderReady, standbyReady] = await Promise.all([readyz(leader), readyz(standby)]);

    // Assert
    assert.deepEqual([leader.role(), standby.role()], ['leader', 'standby']);
    assert.deepEqual(leaderHealth, ['SERVING', 'SERVING', 'SERVING']);
    assert.deepEqual(standbyHealth, ['NOT_SERVING', 'NOT_SERVING', 'NOT_SERVING']);
    assert.deepEqual(leaderReady, { http: 200, role: 'leader', checks: { grpc: true, broadcast: true, leader: true } });
    assert.deepEqual(standbyReady, {
      http: 503,
      role: 'standby',
      checks: { grpc: true, broadcast: true, leader: false },
    });
  });

  it("refuses Join, StartRun, GetRun and WatchRun UNAVAILABLE naming the leader's address; the leader answers them", async () => {
    // Prepare
    const link = new CoordinatorLink(standby.address, DEFAULT_TRANSPORT);
    const admin = new AdminClient(standby.address);
    const leaderAdmin = new AdminClient(leader.address);
    try {
      // Execute
      // A raw Join: a CoordinatorLink would follow the refusal to the leader it names (client-failover tests that).
      const stub = rawCoordinatorStub<{
        Join(req: object, cb: (err: ServiceError | null) => void): void;
      }>(standby.address, link);
      const join = await refusal(
        new Promise((resolve, reject) =>
          stub.Join({ siteId: 'site-a', capabilities: TEST_CAPABILITIES, protocolVersion: PROTOCOL_VERSION }, (err) =>
            err ? reject(err) : resolve(undefined),
          ),
        ),
      );
      stub.close();
      const start = await refusal(admin.startRun(RUN));
      const started = await leaderAdmin.startRun(RUN);
      const get = await refusal(admin.getRun(started.runId));
      const watch = await refusal((async () => admin.watchRun(started.runId)[Symbol.asyncIterator]().next())());

      // Assert
      for (const err of [join, start, get, watch]) assertNotLeader(err, leader.address);
      assert.equal((await leaderAdmin.getRun(started.runId)).runId, started.runId);
    } finally {
      link.close();
      admin.close();
      leaderAdmin.close();
    }
  });
});

describe('changes of leader between two coordinators', () => {
  it("takes over when the leader closes: the standby loads the leader's run and serves", async () => {
    // Prepare
    const { schema, first, second } = await pairOnOneSchema();
    try {
      const run = await first.manager.startRun(RUN);

      // Execute
      await first.close();
      await waitFor('the standby to lead', () => (second.role() === 'leader' ? true : undefined));

      // Assert
      assert.deepEqual(await healthOf(second.address), ['SERVING', 'SERVING', 'SERVING']);
      assert.equal((await readyz(second)).http, 200);
      assert.equal(second.manager.get(run.runId).status().state, 'RUN_STATE_WAITING');
      const admin = new AdminClient(second.address);
      try {
        assert.equal((await admin.getRun(run.runId)).runId, run.runId);
      } finally {
        admin.close();
      }
    } finally {
      await second.close();
      await schema.drop();
    }
  });

  it('a leader whose lease is taken stops serving at once: health NOT_SERVING, its open streams ended UNAVAILABLE', async () => {
    // Prepare: one coordinator leads a run, a client watches its rounds
    const schema = testSchema();
    const c = await startTestCoordinator(
      { stateUrl: schema.url, leaseMs: LEASE_MS },
      { runtime: new FixedModelRuntime(2) },
    );
    const client = await joinProtocolClient(c.address, 'site-a', TEST_CAPABILITIES);
    const db = new pg.Client({ connectionString: TEST_PG_URL });
    try {
      const stream = client.link.watchRounds(client.clientId);
      let ended: ServiceError | undefined;
      stream.on('error', (err: ServiceError) => (ended = err));
      const announced = new Promise((resolve) => stream.once('data', resolve));
      await c.manager.startRun(RUN);
      await announced; // the stream is open: it carries the run's round 1
      await db.connect();

      // Execute: another coordinator takes the lease, as after a stall of this one
      await db.query(
        `UPDATE ${schema.schema}.leader_lease SET holder = 'other', address = 'other:50051',
           generation = generation + 1, expires_at = now() + interval '1 hour' WHERE id = 1`,
      );
      const err = await waitFor('the open WatchRounds stream to end', () => ended);

      // Assert
      assertNotLeader(err);
      assert.equal(c.role(), 'standby');
      assert.deepEqual(await healthOf(c.address), ['NOT_SERVING', 'NOT_SERVING', 'NOT_SERVING']);
      await waitFor('the standby to see the new leader', async () => {
        const refused = await refusal(client.link.heartbeat(client.clientId));
        return refused?.details.endsWith('the leader is other:50051') ? refused : undefined;
      });
    } finally {
      client.link.close();
      await db.end();
      await c.close();
      await schema.drop();
    }
  });
});
