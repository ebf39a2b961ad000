import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { ClientMetrics } from '../../client-node/metrics/index.js';
import {
  issueClientCertificate,
  issueOperatorCertificate,
  issueServerCertificate,
  makeDevCa,
  type PemPair,
} from '../../coordinator/auth/index.js';
import { AdminClient } from '../../coordinator/operator/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { CERTIFICATE_EXPIRY_METRIC, CertificateFiles } from '../../shared/tls/index.js';
import { startTestCoordinator, waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { recordingLogger } from '../helpers/logs.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import { refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

const HOSTS = ['127.0.0.1', 'localhost'];
/** How often the tests' coordinator and links read their certificate files again (ms). */
const RELOAD_MS = 100;

const ca = makeDevCa(3);
const dir = mkdtempSync(join(tmpdir(), 'fedsift-rotation-'));
const put = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
const caFile = put('ca.pem', ca.pem.cert);
const fingerprint = (p: PemPair) => new X509Certificate(p.cert).fingerprint256;
const expirySeconds = (p: PemPair) => new Date(new X509Certificate(p.cert).validTo).getTime() / 1000;

/** Fingerprint of the certificate the TLS server at `address` presents on a new connection (as the operator). */
function presented(address: string, operator: PemPair): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host, port: Number(port), ca: ca.pem.cert, cert: operator.cert, key: operator.key, ALPNProtocols: ['h2'] },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      },
    );
    socket.once('error', reject);
  });
}

describe('TLS certificates renewed without a restart', () => {
  it('the coordinator serves renewed certificate files to new connections during a run, keeps the pair in use while a swap is half done, and the run completes', async () => {
    // Prepare: certificate A in use; B, the renewal, valid a day longer
    const [a, b] = [issueServerCertificate(ca, HOSTS, 1), issueServerCertificate(ca, HOSTS, 2)];
    const operator = issueOperatorCertificate(ca, 1);
    const site = issueClientCertificate(ca, 'site-a', 1);
    const siteTls = { caFile, certFile: put('site-a.pem', site.cert), keyFile: put('site-a-key.pem', site.key) };
    const tls = {
      certFile: put('server.pem', a.cert),
      keyFile: put('server-key.pem', a.key),
      clientCaFile: caFile,
      reloadIntervalMs: RELOAD_MS,
    };
    const runtime = new FixedModelRuntime(2);
    const { logger, lines } = recordingLogger();
    const c = await startTestCoordinator({ tls }, { runtime }, logger);
    const admin = new AdminClient(c.address, {
      tls: { caFile, certFile: put('operator.pem', operator.cert), keyFile: put('operator-key.pem', operator.key) },
    });
    const first = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { tls: siteTls });
    const second = new CoordinatorLink(c.address, DEFAULT_TRANSPORT, { tls: siteTls });
    const train = async (link: CoordinatorLink, runId: string, round: number, clientId: string, v: number) => {
      const { weights } = await link.fetchModel(runId, round, clientId);
      const values = Float32Array.from([v, v]);
      const update = { runId, round, clientId, numExamples: 1, metrics: {}, weights: { specs: weights.specs, values } };
      await link.submitUpdate(update, MAX_CHUNK_BYTES);
    };
    try {
      assert.equal(await presented(c.address, operator), fingerprint(a));
      const { clientId } = await first.join({ siteId: 'site-a', token: '', capabilities: TEST_CAPABILITIES });
      const run = await admin.startRun({ rounds: 2, clientsPerRound: 1, minClients: 1, model: 'mlp' });
      await waitForRound(c, run.runId, 1);
      await train(first, run.runId, 1, clientId, 1);
      await waitForRound(c, run.runId, 2);

      // Execute: renew by copying, as `cp` would, the certificate first and its key a moment later
      writeFileSync(tls.certFile, b.cert);
      await waitFor('the half-done swap refused', () => lines.find((l) => l.msg.includes('cannot be used')));
      assert.equal(await presented(c.address, operator), fingerprint(a), 'A and its key stay while B has no key');
      writeFileSync(tls.keyFile, b.key);
      await waitFor('a new connection presenting B', async () =>
        (await presented(c.address, operator)) === fingerprint(b) ? true : undefined,
      );

      // Assert: the open connection carries on; a new one (which checks B against the CA) trains round 2
      await first.heartbeat(clientId);
      assert.equal(
        // another link is another daemon session: it takes the site over from the first
        (await second.join({ siteId: 'site-a', token: '', capabilities: TEST_CAPABILITIES, takeover: true })).clientId,
        clientId,
      );
      await train(second, run.runId, 2, clientId, 2);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual([...runtime.evaluated.at(-1)!.values], [2, 2]);
      const metrics = await scrape(`http://127.0.0.1:${c.httpPort}/metrics`);
      assert.equal(valueOf(metrics, CERTIFICATE_EXPIRY_METRIC, { certificate: 'identity' }), expirySeconds(b));
      assert.equal(valueOf(metrics, CERTIFICATE_EXPIRY_METRIC, { certificate: 'ca' }), expirySeconds(ca.pem));
      assert.ok(
        lines.some((l) => l.msg.startsWith('TLS certificate reloaded') && l.notAfter),
        'the reload is logged',
      );
    } finally {
      [first, second].forEach((l) => l.close());
      admin.close();
      await c.close();
    }
  });

  it("a client's next connection presents its renewed certificate, and its /metrics shows the renewal's expiry", async () => {
    // Prepare: a TLS server that notes the certificate each connection presents, then hangs up
    const [server, old, renewed] = [
      issueServerCertificate(ca, HOSTS, 1),
      issueClientCertificate(ca, 'site-b', 1),
      issueClientCertificate(ca, 'site-b', 2),
    ];
    const seen: string[] = [];
    const tlsServer = createServer(
      { ...server, ca: ca.pem.cert, requestCert: true, ALPNProtocols: ['h2'] },
      (socket: TLSSocket) => {
        seen.push(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(tlsServer.address() as { port: number }).port}`;
    const [certFile, keyFile] = [put('site-b.pem', old.cert), put('site-b-key.pem', old.key)];
    const files = CertificateFiles.forClient({ caFile, certFile, keyFile, reloadIntervalMs: RELOAD_MS });
    const link = new CoordinatorLink(address, DEFAULT_TRANSPORT, { tls: files });
    const metrics = new ClientMetrics(1, files);
    const connectionPresenting = (p: PemPair) =>
      waitFor(`a connection presenting ${fingerprint(p)}`, async () => {
        await refusal(link.heartbeat('c'));
        return seen.includes(fingerprint(p)) ? true : undefined;
      });
    try {
      await connectionPresenting(old);
      // Execute
      writeFileSync(keyFile, renewed.key);
      writeFileSync(certFile, renewed.cert);
      // Assert
      await connectionPresenting(renewed);
      const families = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === CERTIFICATE_EXPIRY_METRIC);
      assert.deepEqual(
        families?.values.map((v) => [v.labels.certificate, v.value]),
        [
          ['identity', expirySeconds(renewed)],
          ['ca', expirySeconds(ca.pem)],
        ],
      );
    } finally {
      link.close();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
