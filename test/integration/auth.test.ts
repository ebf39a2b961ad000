import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { tokenHash } from '../../coordinator/auth/index.js';
import { AdminClient } from '../../coordinator/operator/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

const TOKENS = { 'site-a': 'token-of-site-a-0123456789', 'site-b': 'token-of-site-b-0123456789' };
const ADMIN = 'admin-token-0123456789abcdef';

function enrolmentFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fedsift-auth-')), 'tokens.json');
  writeFileSync(
    path,
    JSON.stringify(Object.fromEntries(Object.entries(TOKENS).map(([site, t]) => [site, tokenHash(t)]))),
  );
  return path;
}

describe('authentication: enrolment tokens, admin token, Join rate limit', () => {
  it("refuses a client without a token or with another site's token, and aggregates only enrolled clients' updates", async () => {
    // Prepare
    const runtime = new FixedModelRuntime(2);
    const c = await startTestCoordinator(
      { auth: { clientTokensFile: enrolmentFile(), adminToken: ADMIN } },
      { runtime },
    );
    const a = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { token: TOKENS['site-a'] });
    const b = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { token: TOKENS['site-b'] });
    const anonymous = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
    const admin = new AdminClient(c.address, { token: ADMIN });
    const noAdmin = new AdminClient(c.address);
    try {
      // Execute + Assert: Join
      const noToken = await refusal(anonymous.join({ siteId: 'site-a', token: '', capabilities: TEST_CAPABILITIES }));
      assert.equal(noToken?.code, status.UNAUTHENTICATED);
      assert.match(noToken!.details, /missing enrolment token for site "site-a"/);
      const stolen = await refusal(
        b.join({ siteId: 'site-a', token: TOKENS['site-b'], capabilities: TEST_CAPABILITIES }),
      );
      assert.equal(stolen?.code, status.PERMISSION_DENIED);
      const idA = (await a.join({ siteId: 'site-a', token: TOKENS['site-a'], capabilities: TEST_CAPABILITIES }))
        .clientId;
      const idB = (await b.join({ siteId: 'site-b', token: TOKENS['site-b'], capabilities: TEST_CAPABILITIES }))
        .clientId;
      // Admin
      assert.equal((await refusal(noAdmin.listRuns()))?.code, status.UNAUTHENTICATED);
      const run = await admin.startRun({
        rounds: 1,
        clientsPerRound: 2,
        minClients: 2,
        model: 'mlp',
        roundDeadlineMs: 20_000,
      });
      await waitForRound(c, run.runId, 1);
      // Updates: site-b's token cannot speak for site-a; no token cannot speak at all.
      const update = (clientId: string, v: number) => ({
        runId: run.runId,
        round: 1,
        clientId,
        numExamples: 1,
        metrics: {},
        weights: { specs: runtime.specs, values: Float32Array.from([v, v]) },
      });
      const impersonation = await refusal(b.submitUpdate(update(idA, 100), MAX_CHUNK_BYTES));
      assert.equal(impersonation?.code, status.PERMISSION_DENIED);
      assert.match(impersonation!.details, new RegExp(`does not belong to client ${idA}`));
      assert.equal(
        (await refusal(anonymous.submitUpdate(update(idA, 100), MAX_CHUNK_BYTES)))?.code,
        status.UNAUTHENTICATED,
      );
      assert.equal((await refusal(anonymous.heartbeat(idA)))?.code, status.UNAUTHENTICATED);
      assert.equal((await refusal(b.fetchModel(run.runId, 1, idA)))?.code, status.PERMISSION_DENIED);
      await a.submitUpdate(update(idA, 1), MAX_CHUNK_BYTES);
      await b.submitUpdate(update(idB, 3), MAX_CHUNK_BYTES);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual([...runtime.evaluated[0]!.values], [2, 2], "only the enrolled clients' updates are aggregated");
    } finally {
      [a, b, anonymous].forEach((l) => l.close());
      admin.close();
      noAdmin.close();
      await c.close();
    }
  });

  it('takes a site enrolled or removed while it runs into account, and keeps the last good enrolment over a broken file', async () => {
    // Prepare: a coordinator with site-a and site-b enrolled
    const file = enrolmentFile();
    const c = await startTestCoordinator({ auth: { clientTokensFile: file } }, { runtime: new FixedModelRuntime(2) });
    const links: CoordinatorLink[] = [];
    const join = (siteId: string, token: string) => {
      const link = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { token });
      links.push(link);
      return link
        .join({ siteId, token, capabilities: TEST_CAPABILITIES })
        .then((r) => ({ link, clientId: r.clientId }));
    };
    const afterRecheck = () => new Promise((r) => setTimeout(r, 1_100));
    try {
      // Execute: enrol site-c with the CLI while the coordinator runs, and join at once
      const enrolled = await runFedsift(['enrol', '--site-id', 'site-c', '--tokens-file', file]);
      assert.equal(enrolled.code, 0, enrolled.stderr);
      const c1 = await join('site-c', enrolled.stdout.trim());
      // Remove it again (revoke), then break the file
      writeFileSync(file, JSON.stringify({ 'site-a': tokenHash(TOKENS['site-a']) }));
      await afterRecheck();
      const revoked = await refusal(c1.link.heartbeat(c1.clientId));
      writeFileSync(file, '{"site-a": ');
      await afterRecheck();
      const stillIn = await join('site-a', TOKENS['site-a']);
      const removed = await refusal(join('site-b', TOKENS['site-b']));
      // … and repair it with site-b back
      writeFileSync(
        file,
        JSON.stringify(Object.fromEntries(Object.entries(TOKENS).map(([site, t]) => [site, tokenHash(t)]))),
      );
      const back = await join('site-b', TOKENS['site-b']);
      // Check: site-c joined without a restart, its token stopped working once removed; the broken file changed
      // nothing; the repaired one took effect
      assert.ok(c1.clientId);
      assert.equal(revoked?.code, status.UNAUTHENTICATED);
      assert.ok(stillIn.clientId);
      assert.equal(removed?.code, status.UNAUTHENTICATED);
      assert.ok(back.clientId);
    } finally {
      links.forEach((l) => l.close());
      await c.close();
    }
  });

  it(
    'a client daemon whose token the coordinator refuses exits 4 saying why, instead of retrying for ever',
    { timeout: 120_000 },
    async () => {
      const c = await startTestCoordinator(
        { auth: { clientTokensFile: enrolmentFile() } },
        { runtime: new FixedModelRuntime(2) },
      );
      try {
        const site = [
          'client',
          '--coordinator',
          c.address,
          '--data',
          'mnist',
          '--num-partitions',
          '50',
          '--partition-index',
          '0',
        ];
        const wrong = await runFedsift([...site, '--site-id', 'site-a', '--token', 'not-the-token-of-site-a']);
        const stolen = await runFedsift([...site, '--site-id', 'site-a', '--token', TOKENS['site-b']]);
        assert.equal(wrong.code, 4, wrong.stderr);
        assert.match(
          wrong.stderr,
          /coordinator refused: UNAUTHENTICATED: Join: unknown enrolment token for site "site-a"/,
        );
        assert.equal(stolen.code, 4, stolen.stderr);
        assert.match(
          stolen.stderr,
          /coordinator refused: PERMISSION_DENIED: Join: this enrolment token belongs to another site/,
        );
      } finally {
        await c.close();
      }
    },
  );

  it('rate-limits Join per peer address with RESOURCE_EXHAUSTED', async () => {
    // joinsPerSecond 1e-6: no refill while the test runs, however slow the machine
    const c = await startTestCoordinator(
      { auth: { joinsPerSecond: 1e-6, joinBurst: 2 } },
      { runtime: new FixedModelRuntime(2) },
    );
    const link = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
    try {
      const results = [];
      for (let i = 0; i < 4; i++)
        results.push(await refusal(link.join({ siteId: `s${i}`, token: '', capabilities: TEST_CAPABILITIES })));
      assert.deepEqual(
        results.map((r) => r?.code),
        [undefined, undefined, status.RESOURCE_EXHAUSTED, status.RESOURCE_EXHAUSTED],
      );
      assert.match(results[2]!.details, /too many Join calls from/);
    } finally {
      link.close();
      await c.close();
    }
  });

  it('`fedsift enrol` prints a token once and keeps only its hash; a bad enrolment file stops the coordinator at start', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fedsift-enrol-')), 'tokens.json');
    const first = await runFedsift(['enrol', '--site-id', 'site-x', '--tokens-file', file]);
    assert.equal(first.code, 0, first.stderr);
    const token = first.stdout.trim();
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { 'site-x': tokenHash(token) });
    const again = await runFedsift(['enrol', '--site-id', 'site-x', '--tokens-file', file]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already enrolled/);
    writeFileSync(file, '{"site-x": "not-a-hash"}');
    await assert.rejects(
      startTestCoordinator({ auth: { clientTokensFile: file } }, { runtime: new FixedModelRuntime(2) }),
      /auth\.clientTokensFile: site "site-x" needs a hex SHA-256 token hash/,
    );
  });
});
