import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { makeDevCertificates } from '../../coordinator/auth/index.js';
import { ClientRegistry } from '../../coordinator/clients/index.js';
import { AdminClient } from '../../coordinator/operator/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

describe('TLS and mutual TLS from certificate files (fedsift certs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-tls-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const certs = makeDevCertificates(['127.0.0.1', 'localhost'], ['site-a'], 1);
  const ca = file('ca.pem', certs.ca.cert);
  const site = {
    caFile: ca,
    certFile: file('a.pem', certs.clients['site-a']!.cert),
    keyFile: file('a-key.pem', certs.clients['site-a']!.key),
  };
  const operator = {
    caFile: ca,
    certFile: file('operator.pem', certs.operator.cert),
    keyFile: file('operator-key.pem', certs.operator.key),
  };
  const runtime = new FixedModelRuntime(2);
  let c: Coordinator;
  before(async () => {
    const tls = {
      certFile: file('server.pem', certs.server.cert),
      keyFile: file('server-key.pem', certs.server.key),
      clientCaFile: ca,
    };
    c = await startTestCoordinator({ tls }, { runtime });
  });
  after(() => c.close());

  it('a client with a certificate from the CA trains a round as its site only; one without a certificate, or in plain text, is refused', async () => {
    const mtls = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { tls: site });
    const noCert = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { tls: { caFile: ca } });
    const plain = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
    const admin = new AdminClient(c.address, { tls: operator });
    try {
      assert.equal(
        (await refusal(noCert.join({ siteId: 'site-x', token: '', capabilities: TEST_CAPABILITIES })))?.code,
        status.UNAVAILABLE,
      );
      assert.equal(
        (await refusal(plain.join({ siteId: 'site-y', token: '', capabilities: TEST_CAPABILITIES })))?.code,
        status.UNAVAILABLE,
      );
      const asOther = await refusal(mtls.join({ siteId: 'site-b', token: '', capabilities: TEST_CAPABILITIES }));
      assert.equal(asOther?.code, status.PERMISSION_DENIED);
      assert.match(asOther!.details, /the client certificate is for site "site-a", not "site-b"/);
      const { clientId } = await mtls.join({ siteId: 'site-a', token: '', capabilities: TEST_CAPABILITIES });
      const otherClient = await refusal(mtls.heartbeat(ClientRegistry.clientIdFor('site-b')));
      assert.equal(otherClient?.code, status.PERMISSION_DENIED);
      const run = await admin.startRun({
        rounds: 1,
        clientsPerRound: 1,
        minClients: 1,
        model: 'mlp',
        roundDeadlineMs: 20_000,
      });
      await waitForRound(c, run.runId, 1);
      const { weights } = await mtls.fetchModel(run.runId, 1, clientId);
      await mtls.submitUpdate(
        {
          runId: run.runId,
          round: 1,
          clientId,
          numExamples: 1,
          metrics: {},
          weights: { specs: weights.specs, values: Float32Array.from([7, 8]) },
        },
        MAX_CHUNK_BYTES,
      );
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual([...runtime.evaluated.at(-1)!.values], [7, 8]);
    } finally {
      [mtls, noCert, plain].forEach((l) => l.close());
      admin.close();
    }
  });

  it("an operator certificate calls the Admin service and cannot join or act as a site; a site's certificate cannot call Admin", async () => {
    // Prepare
    const asOperator = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { tls: operator });
    const operatorAdmin = new AdminClient(c.address, { tls: operator });
    const siteAdmin = new AdminClient(c.address, { tls: site });
    try {
      // Execute + Assert: Admin takes the operator's certificate only
      assert.ok(Array.isArray(await operatorAdmin.listRuns()));
      const bySite = await refusal(siteAdmin.listRuns());
      assert.equal(bySite?.code, status.PERMISSION_DENIED);
      assert.match(
        bySite!.details,
        /Admin: the client certificate is a site's \("site-a"\), not an operator's.*operator\.pem/,
      );
      // The operator's certificate speaks for no site: neither Join nor a later call
      const joined = await refusal(asOperator.join({ siteId: 'site-a', token: '', capabilities: TEST_CAPABILITIES }));
      assert.equal(joined?.code, status.PERMISSION_DENIED);
      assert.match(joined!.details, /the client certificate is an operator's: .* cannot take part as a site/);
      const heartbeat = await refusal(asOperator.heartbeat(ClientRegistry.clientIdFor('site-a')));
      assert.equal(heartbeat?.code, status.PERMISSION_DENIED);
    } finally {
      asOperator.close();
      operatorAdmin.close();
      siteAdmin.close();
    }
  });

  it("the CLI talks TLS with the operator's --tls-cert/--tls-key, says what to pass when it has none or a site's, and refuses plain text unless asked", async () => {
    const tlsFlags = (who: typeof site) => ['--tls-ca', ca, '--tls-cert', who.certFile, '--tls-key', who.keyFile];
    const list = (flags: string[]) =>
      runFedsift(['run', 'list', '--json', '--coordinator', c.address, ...flags], { FEDSIFT_INSECURE: '' });
    const listed = await list(tlsFlags(operator));
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(Array.isArray(JSON.parse(listed.stdout)));
    assert.doesNotMatch(listed.stderr, /DeprecationWarning/, 'no DEP0123 for a coordinator dialled by IP address');
    const withSiteCert = await list(tlsFlags(site));
    assert.equal(withSiteCert.code, 4);
    assert.match(withSiteCert.stderr, /PERMISSION_DENIED: Admin: the client certificate is a site's .*operator\.pem/);
    const withoutCert = await list(['--tls-ca', ca]);
    assert.equal(withoutCert.code, 3);
    assert.match(
      withoutCert.stderr,
      /under mutual TLS also --tls-cert and --tls-key: `fedsift run` with the operator's certificate, operator\.pem/,
    );
    const implicit = await runFedsift(['run', 'list', '--coordinator', c.address], { FEDSIFT_INSECURE: '' });
    assert.equal(implicit.code, 2);
    assert.match(implicit.stderr, /--tls-ca: required unless plain text is asked for explicitly/);
  });

  it('an unreadable, swapped or mismatched certificate or key stops the coordinator at start, naming the field', async () => {
    const server = { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server-key.pem') };
    await assert.rejects(
      startTestCoordinator({ tls: { certFile: join(dir, 'nope.pem'), keyFile: join(dir, 'nope.pem') } }),
      /tls\.certFile: cannot read/,
    );
    await assert.rejects(
      startTestCoordinator({ tls: { certFile: server.keyFile, keyFile: server.certFile } }),
      /tls\.certFile: .*server-key\.pem is not a PEM certificate/,
    );
    await assert.rejects(
      startTestCoordinator({ tls: { ...server, keyFile: site.keyFile } }),
      /tls\.keyFile: .*a-key\.pem is not the private key of the certificate in .*server\.pem/,
    );
    await assert.rejects(
      startTestCoordinator({ tls: { ...server, clientCaFile: server.keyFile } }),
      /tls\.clientCaFile: .* is not a PEM certificate/,
    );
    assert.throws(
      () => new CoordinatorLink('127.0.0.1:1', DEFAULT_TRANSPORT, { tls: { caFile: server.keyFile } }),
      /tls\.caFile: .* is not a PEM certificate/,
    );
  });
});
