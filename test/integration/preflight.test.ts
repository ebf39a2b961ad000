import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import { preflight, type PreflightReport } from '../../client-node/preflight/index.js';
import { issueClientCertificate, makeDevCa, makeDevCertificates, tokenHash } from '../../coordinator/auth/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { parseClientConfig } from '../../shared/config/index.js';
import { createRng } from '../../shared/random/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { NATS_URL, requireNats, startPrivateNats } from '../helpers/nats.js';
import { freePort } from '../helpers/processes.js';

const TOKEN = 'token-of-site-a-0123456789';

/** A CSV of `rows` seeded examples with `features` feature columns and labels 0–9 in turn, or with one bad cell. */
function csv(rows: number, features: number, badCell = false): string {
  const rng = createRng(16);
  const header = [...Array.from({ length: features }, (_, j) => `f${j}`), 'label'].join(',');
  const lines = Array.from({ length: rows }, (_, i) =>
    [...Array.from({ length: features }, () => rng.next().toFixed(3)), String(i % 10)].join(','),
  );
  if (badCell) lines[2] = lines[2]!.replace(/^[^,]+/, 'n/a');
  return [header, ...lines].join('\n');
}

describe('fedsift preflight: one line per check of a site, without joining', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-preflight-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  // The coordinator's certificate holds 127.0.0.1 only: dialled as "localhost", its name does not match.
  const certs = makeDevCertificates(['127.0.0.1'], ['site-a'], 1);
  const stranger = makeDevCa(1);
  const site = {
    caFile: file('ca.pem', certs.ca.cert),
    certFile: file('site-a.pem', certs.clients['site-a']!.cert),
    keyFile: file('site-a-key.pem', certs.clients['site-a']!.key),
  };
  const strangerCert = issueClientCertificate(stranger, 'site-a', 1);
  const siteData = { kind: 'csv', path: file('site.csv', csv(40, 784)) };
  let secure: Coordinator, plain: Coordinator, runId: string;

  /** The good site's config (mutual TLS, token, NATS, data that fits), with `over` replacing fields. */
  const config = (over: Record<string, unknown> = {}) =>
    parseClientConfig({
      coordinator: secure.address,
      siteId: 'site-a',
      token: TOKEN,
      tls: site,
      natsUrl: NATS_URL,
      data: siteData,
      ...over,
    });
  const check = (report: PreflightReport, name: string) => report.checks.find((c) => c.name === name)!;
  /** Asserts that `name` failed with a detail matching `detail`, that the report's exit code is `code`, and returns the report. */
  const failsAt = async (over: Record<string, unknown>, name: string, detail: RegExp, code: number) => {
    const report = await preflight(config(over));
    assert.equal(check(report, name).status, 'fail', `${name}: ${check(report, name).detail}`);
    assert.match(check(report, name).detail, detail);
    assert.equal(report.exitCode, code);
    return report;
  };

  before(async () => {
    await requireNats();
    const runtime = new FixedModelRuntime(2);
    const tls = {
      certFile: file('server.pem', certs.server.cert),
      keyFile: file('server-key.pem', certs.server.key),
      clientCaFile: site.caFile,
    };
    const clientTokensFile = file('tokens.json', JSON.stringify({ 'site-a': tokenHash(TOKEN) }));
    secure = await startTestCoordinator({ tls, auth: { clientTokensFile } }, { runtime });
    plain = await startTestCoordinator({}, { runtime });
    // A run waiting for clients: the one a site's data must fit.
    runId = (await secure.manager.startRun({ model: 'mlp', rounds: 1, minClients: 1, waitForClientsMs: 600_000 }))
      .runId;
  });
  after(async () => {
    await secure.close();
    await plain.close();
  });

  it('fedsift preflight on a good site prints every check passed and exits 0, and the site has not joined', async () => {
    // Execute: the flags a site's daemon runs with
    const flags = ['--site-id', 'site-a', '--coordinator', secure.address, '--token', TOKEN, '--nats-url', NATS_URL];
    const tlsFlags = ['--tls-ca', site.caFile, '--tls-cert', site.certFile, '--tls-key', site.keyFile];
    const r = await runFedsift(['preflight', ...flags, ...tlsFlags, '--data', `csv:${siteData.path}`], {
      FEDSIFT_INSECURE: '',
    });
    // Assert
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/, 2).join(' ')),
      ['✓ coordinator', '✓ tls', '✓ token', '✓ nats', '✓ data', '✓ model', '✓ backend', '✓ training', 'all checks'],
    );
    assert.match(r.stdout, /✓ tls +gRPC over TLS with the CA in .*ca\.pem and this site's certificate .*site-a\.pem/);
    assert.match(r.stdout, new RegExp(`its enrolment token is accepted; unfinished runs: ${runId} \\(mlp\\)`));
    assert.match(r.stdout, /✓ data +csv:.*site\.csv: 40 examples × 784 features, 10 classes present \(labels 0–9\)/);
    assert.match(r.stdout, new RegExp(`✓ model +fits mlp of run ${runId} \\(input \\[784\\], 10 classes\\)`));
    assert.match(r.stdout, /✓ training +one batch of 32 on mlp: \d+ ms .*; ≈ [\d.]+ s of training per round of run/);
    assert.match(r.stdout, /all checks passed \(8 passed\)\n$/);
    assert.equal(secure.liveClients(), 0, 'preflight registers no client');
  });

  it('an unreachable coordinator fails the coordinator check; the checks that need it are skipped', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const report = await failsAt(
      { coordinator: address },
      'coordinator',
      /nothing listens at .* \(connection refused\): is `fedsift coordinator` running there\? its gRPC port is/,
      3,
    );
    assert.deepEqual(
      ['tls', 'token'].map((n) => [check(report, n).status, check(report, n).detail]),
      [
        ['skip', 'skipped: needs coordinator to pass'],
        ['skip', 'skipped: needs tls to pass'],
      ],
    );
    assert.deepEqual(
      ['data', 'model', 'backend'].map((n) => check(report, n).status),
      ['pass', 'pass', 'pass'],
      'the local checks still run',
    );
    assert.equal(check(report, 'training').detail, 'no unfinished run names a model to time');
  });

  it('with several coordinator addresses, checks the one that accepts and serves, naming it and the others', async () => {
    // Prepare: nothing listens at the first address
    const closed = `127.0.0.1:${await freePort()}`;
    // Execute
    const report = await preflight(config({ coordinator: `${closed},${secure.address}` }));
    // Assert
    assert.equal(report.exitCode, 0, JSON.stringify(report.checks));
    assert.equal(
      check(report, 'coordinator').detail,
      `${secure.address} accepts TCP connections (not ${closed}: ECONNREFUSED)`,
    );
    assert.match(
      check(report, 'tls').detail,
      new RegExp(`^gRPC over TLS .*: the Coordinator service at ${secure.address} is serving$`),
    );
    assert.match(check(report, 'token').detail, /site "site-a" may join/);
  });

  it("the coordinator's HTTP port instead of its gRPC port fails the tls check, saying so", async () => {
    await failsAt(
      { coordinator: `127.0.0.1:${plain.httpPort}`, tls: null, insecure: true },
      'tls',
      /answers HTTP\/1\.1, not gRPC: is that the coordinator's HTTP port \(\/metrics, \/healthz, the dashboard\)\? its gRPC port is/,
      3,
    );
  });

  it('TLS settings that do not match the coordinator fail the tls check, each with what to change', async () => {
    const wrongCa = file('stranger-ca.pem', stranger.pem.cert);
    const port = secure.address.split(':')[1];
    const cases: [Record<string, unknown>, RegExp, number][] = [
      [{ tls: null, insecure: true }, /speaks TLS and this site plain text \(--insecure\): give --tls-ca/, 3],
      [
        { coordinator: plain.address },
        /speaks plain text \(it was started with --insecure\) and this site TLS \(--tls-ca\): give --insecure here/,
        3,
      ],
      [
        { tls: { ...site, caFile: wrongCa } },
        /the coordinator's certificate is not signed by the CA in --tls-ca .*stranger-ca\.pem/,
        3,
      ],
      [
        { tls: { caFile: site.caFile } },
        /asks for a client certificate \(mutual TLS\) and this site gave none: give --tls-cert and --tls-key/,
        3,
      ],
      [
        {
          tls: {
            ...site,
            certFile: file('stranger.pem', strangerCert.cert),
            keyFile: file('stranger-key.pem', strangerCert.key),
          },
        },
        /the coordinator refused this site's certificate .*stranger\.pem .*: it must be signed by the CA the coordinator trusts/,
        3,
      ],
      [
        { coordinator: `localhost:${port}` },
        /the coordinator's certificate is not issued for "localhost" .*fedsift certs --hosts localhost/,
        3,
      ],
      [{ tls: { ...site, caFile: join(dir, 'missing.pem') } }, /tls\.caFile: cannot read .*missing\.pem/, 2],
    ];
    for (const [over, detail, code] of cases) {
      const report = await failsAt(over, 'tls', detail, code);
      assert.equal(check(report, 'token').status, 'skip');
    }
  });

  it('a gRPC server that is not a fedsift coordinator, or a server that speaks neither gRPC nor HTTP nor TLS, fails the tls check', async () => {
    // Prepare: a bare grpc-js server (no services), and a TCP server that hangs up on every connection
    const foreign = new Server();
    const grpcPort = await new Promise<number>((resolve, reject) =>
      foreign.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const mute = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const mutePort = (mute.address() as AddressInfo).port;
    const plainText = { tls: null, insecure: true };
    try {
      // Execute + Assert
      await failsAt(
        { coordinator: `127.0.0.1:${grpcPort}`, ...plainText },
        'tls',
        /answers gRPC but not as a fedsift coordinator \(UNIMPLEMENTED/,
        3,
      );
      await failsAt(
        { coordinator: `127.0.0.1:${mutePort}`, ...plainText },
        'tls',
        new RegExp(
          `127\\.0\\.0\\.1:${mutePort} accepts connections but does not answer gRPC \\(.+\\); its gRPC port is`,
        ),
        3,
      );
    } finally {
      foreign.forceShutdown();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('a missing, unknown or borrowed token fails the token check with what to give', async () => {
    await failsAt(
      { token: undefined },
      'token',
      /UNAUTHENTICATED: Join: missing enrolment token for site "site-a"; give this site's enrolment token with --token or \$FEDSIFT_TOKEN/,
      4,
    );
    await failsAt(
      { token: 'not-the-token-0123456789' },
      'token',
      /UNAUTHENTICATED: Join: unknown enrolment token for site "site-a"; .*`fedsift enrol --site-id site-a`/,
      4,
    );
    const borrowed = await failsAt(
      { siteId: 'site-b' },
      'token',
      /PERMISSION_DENIED: Join: the client certificate is for site "site-a", not "site-b"; the token \(--token\) and the client certificate \(--tls-cert\) must both be site "site-b"'s/,
      4,
    );
    assert.match(
      check(borrowed, 'model').detail,
      /^the coordinator's runs are unknown: the data is checked against a run's model when the run starts/,
    );
  });

  it('an unreachable NATS, or one without JetStream, fails the nats check', async () => {
    await failsAt(
      { natsUrl: `nats://127.0.0.1:${await freePort()}` },
      'nats',
      /cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+ \(.*\): is nats-server running there/,
      3,
    );
    const port = await freePort();
    const nats: ChildProcess = await startPrivateNats(port, null);
    try {
      await failsAt(
        { natsUrl: `nats://127.0.0.1:${port}` },
        'nats',
        /NATS at nats:\/\/127\.0\.0\.1:\d+ has no JetStream .*: start nats-server with -js/,
        3,
      );
    } finally {
      nats.kill();
    }
  });

  it('a missing or unparseable data file fails the data check; the model and training checks are skipped', async () => {
    const missing = await failsAt(
      { data: { kind: 'csv', path: join(dir, 'nope.csv') } },
      'data',
      /cannot read CSV .*nope\.csv: ENOENT.*\(--data\)/,
      2,
    );
    assert.deepEqual(
      ['model', 'training'].map((n) => check(missing, n).status),
      ['skip', 'skip'],
    );
    await failsAt(
      { data: { kind: 'csv', path: file('bad.csv', csv(5, 784, true)) } },
      'data',
      /bad\.csv.*line 4.*"n\/a"/,
      2,
    );
  });

  it("data that does not fit the run's model fails the model check; without a run there is no model to check or time", async () => {
    const narrow = { kind: 'csv', path: file('narrow.csv', csv(5, 20)) };
    await failsAt(
      { data: narrow },
      'model',
      new RegExp(
        `run ${runId} trains mlp, and the model takes 784 values per example \\(input shape \\[784\\]\\), the site's data has 20: this site would take part in none of its rounds`,
      ),
      2,
    );
    const idle = await preflight(config({ coordinator: plain.address, tls: null, insecure: true, data: narrow }));
    assert.equal(check(idle, 'model').status, 'pass', check(idle, 'model').detail);
    assert.match(
      check(idle, 'model').detail,
      /no unfinished run: the data is checked against a run's model when the run starts/,
    );
    assert.equal(check(idle, 'training').status, 'skip');
    assert.equal(idle.exitCode, 0);
  });
});
