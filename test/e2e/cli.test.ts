import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Coordinator } from '../../coordinator/main.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { logLines, runFedsift, spawnClient, testSiteId } from '../helpers/client-processes.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { heartbeatUntilClosed, refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

describe('fedsift CLI', () => {
  let c: Coordinator;
  before(async () => {
    c = await startTestCoordinator();
  });
  after(() => c.close());

  it('prints --help for every command', async () => {
    for (const cmd of [
      [],
      ['coordinator'],
      ['client'],
      ['preflight'],
      ['run'],
      ['run', 'start'],
      ['run', 'status'],
      ['run', 'watch'],
      ['run', 'stop'],
      ['run', 'list'],
      ['demo'],
    ]) {
      const r = await runFedsift([...cmd, '--help']);
      assert.equal(r.code, 0, `fedsift ${cmd.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /Usage: fedsift/);
      if (cmd[0] === 'coordinator') {
        assert.match(r.stdout, /--admin-token <token>/, 'refusals tell operators to use it');
        for (const d of [
          /--host.*\(default 127\.0\.0\.1\)/,
          /--port.*\(default 50051\)/,
          /--http-port[^]*\(default 8080\)/,
        ])
          assert.match(r.stdout, d);
      }
    }
  });

  it('exits 2 naming the field for a bad run config, before contacting the coordinator', async () => {
    const r = await runFedsift(['run', 'start', '--rounds', '0', '--coordinator', c.address]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid run config:\n\s+rounds: /);
    assert.equal(c.manager.list().length, 0);
  });

  it('passes --mode and --hierarchical into the run config (async with hierarchical refused, naming both)', async () => {
    const r = await runFedsift(['run', 'start', '--mode', 'async', '--hierarchical', '--coordinator', c.address]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mode: mode "async" cannot be combined with hierarchical/);
    assert.equal(c.manager.list().length, 0);
  });

  it('exits 2 for malformed numbers and unknown options instead of truncating or ignoring them', async () => {
    const at = ['--coordinator', c.address];
    for (const args of [
      ['run', 'start', '--rounds', '1e3', ...at],
      ['run', 'start', '--rounds', '1.5', ...at],
      ['run', 'start', '--bogus', '1', ...at],
      ['coordinator', '--port', '50051abc'],
      ['certs', '--out', join(tmpdir(), 'fedsift-no-certs'), '--days', '0'],
    ]) {
      const r = await runFedsift(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /expected an integer|unknown option/);
    }
    assert.equal(c.manager.list().length, 0);
  });

  it('exits 2 when a site gives only one of the partition flags', async () => {
    const half = await runFedsift(['client', '--site-id', 's', '--num-partitions', '3']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--num-partitions and --partition-index go together/);
  });

  it('reads the paths in a coordinator config file relative to that file, not to the working directory', async () => {
    // Prepare: config/coordinator.json names "tokens.json", which sits next to it and is malformed on purpose
    const dir = join(mkdtempSync(join(tmpdir(), 'fedsift-config-')), 'config');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'coordinator.json'),
      JSON.stringify({ port: 0, httpPort: null, insecure: true, auth: { clientTokensFile: 'tokens.json' } }),
    );
    writeFileSync(join(dir, 'tokens.json'), '{"site-a": "not-a-hash"}');
    // Execute: from another working directory
    const r = await runFedsift(['coordinator', '--config', join(dir, 'coordinator.json')]);
    // Check: it found the file next to the config (and stopped on its content), instead of "does not exist"
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /auth\.clientTokensFile: site "site-a" needs a hex SHA-256 token hash/);
  });

  it('exits 2 naming $FEDSIFT_LOG_LEVEL when it is not a log level', async () => {
    const r = await runFedsift(['coordinator', '--port', '0'], { FEDSIFT_LOG_LEVEL: 'verbose' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\$FEDSIFT_LOG_LEVEL: "verbose" is not a log level; use one of trace, debug, info/);
  });

  it('exits 2 naming federationId when --federation-id or $FEDSIFT_FEDERATION_ID cannot name NATS subjects', async () => {
    const flag = await runFedsift(['coordinator', '--port', '0', '--federation-id', 'hospitals.eu']);
    const env = await runFedsift(['coordinator', '--port', '0'], { FEDSIFT_FEDERATION_ID: 'fed>' });
    for (const [r, id] of [
      [flag, 'hospitals.eu'],
      [env, 'fed>'],
    ] as const) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(`federationId: must be 1 to 64 letters, digits, "-" or "_"`), r.stderr);
      assert.ok(r.stderr.includes(`got "${id}"`), r.stderr);
    }
  });

  it('exits 2 for a client with a malformed data spec', async () => {
    const r = await runFedsift(['client', '--site-id', 's', '--data', 'parquet:x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--data "parquet:x": expected mnist, csv:PATH or idx:IMAGES,LABELS/);
  });

  it('certs run again on a directory keeps its CA, server and operator certificates and adds sites; --new-ca starts over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-certs-'));
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    const signedBy = (leaf: string, ca: string) =>
      new X509Certificate(read(leaf)).verify(new X509Certificate(ca).publicKey);
    const first = await runFedsift(['certs', '--out', dir, '--sites', 'site-a']);
    assert.equal(first.code, 0, first.stderr);
    const ca = read('ca.pem'),
      server = read('server.pem'),
      operator = read('operator.pem');
    // The operator's certificate and the sites' carry their roles; the hint says what the operator passes
    assert.equal(new X509Certificate(operator).subjectAltName, 'URI:urn:fedsift:role:operator');
    assert.equal(new X509Certificate(read('client-site-a.pem')).subjectAltName, 'URI:urn:fedsift:role:site');
    assert.match(
      first.stdout,
      /operator: +fedsift run … --tls-ca \S+ca\.pem \[--tls-cert \S+operator\.pem --tls-key \S+operator-key\.pem\]/,
    );
    // Execute: add a site, as an operator enrolling one more would
    const again = await runFedsift(['certs', '--out', dir, '--sites', 'site-b']);
    // Check: same CA and server certificate, so site-a's certificate still verifies; site-b's is from that CA
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /kept the CA/);
    assert.equal(read('ca.pem'), ca);
    assert.equal(read('server.pem'), server);
    assert.equal(read('operator.pem'), operator);
    assert.ok(signedBy('client-site-b.pem', ca) && signedBy('client-site-a.pem', ca));
    // --hosts re-issues the server certificate for the new names, from the same CA
    assert.equal((await runFedsift(['certs', '--out', dir, '--hosts', 'fedsift-coordinator,10.0.0.7'])).code, 0);
    assert.notEqual(read('server.pem'), server);
    assert.equal(
      new X509Certificate(read('server.pem')).subjectAltName,
      'DNS:fedsift-coordinator, IP Address:10.0.0.7',
    );
    assert.ok(signedBy('server.pem', ca));
    // --new-ca replaces it (site-a's certificate no longer verifies); a CA without its key is refused
    assert.equal((await runFedsift(['certs', '--out', dir, '--new-ca'])).code, 0);
    assert.notEqual(read('ca.pem'), ca);
    assert.equal(signedBy('client-site-a.pem', read('ca.pem')), false);
    rmSync(join(dir, 'ca-key.pem'));
    const broken = await runFedsift(['certs', '--out', dir, '--sites', 'site-c']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /holds one of ca.pem and ca-key.pem but not the other/);
  });

  it('certs --renew re-issues every certificate there from its CA with the same names and new keys; without a CA it refuses', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-renew-'));
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    assert.equal((await runFedsift(['certs', '--out', dir, '--sites', 'site-a', '--days', '1'])).code, 0);
    const leaves = ['client-site-a', 'operator', 'server'];
    const ca = read('ca.pem');
    const before = Object.fromEntries(leaves.map((n) => [n, new X509Certificate(read(`${n}.pem`))]));
    // Execute
    const renewed = await runFedsift(['certs', '--out', dir, '--renew', '--days', '30']);
    // Assert: each certificate anew, same names and role, from the same CA, with its new key, valid longer
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.match(renewed.stdout, /renewed client-site-a\.pem, operator\.pem, server\.pem until /);
    assert.equal(read('ca.pem'), ca);
    for (const n of leaves) {
      const cert = new X509Certificate(read(`${n}.pem`));
      assert.notEqual(cert.fingerprint256, before[n]!.fingerprint256, n);
      assert.equal(cert.subject, before[n]!.subject, n);
      assert.equal(cert.subjectAltName, before[n]!.subjectAltName, n);
      assert.ok(cert.verify(new X509Certificate(ca).publicKey), `${n} is signed by the CA`);
      assert.ok(cert.checkPrivateKey(createPrivateKey(read(`${n}-key.pem`))), `${n}-key.pem is its key`);
      assert.ok(new Date(cert.validTo) > new Date(before[n]!.validTo), `${n} is valid longer`);
    }
    const noCa = await runFedsift(['certs', '--out', mkdtempSync(join(tmpdir(), 'fedsift-renew-')), '--renew']);
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /--renew: .* holds no ca\.pem to renew from/);
  });

  it('npm run fedsift -- certs --out certs writes where the command was typed, not into the package', async () => {
    // Prepare: npm runs scripts from the package folder; the user typed the command in a folder of their own
    const cwd = mkdtempSync(join(tmpdir(), 'fedsift-npm-'));
    const pkg = fileURLToPath(new URL('../../', import.meta.url));
    // Execute
    const r = spawnSync('npm', ['--prefix', pkg, 'run', 'fedsift', '--', 'certs', '--out', 'certs-here'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, FEDSIFT_INSECURE: '1' },
    });
    // Assert
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'certs-here', 'ca.pem')), 'written under the folder the command was typed in');
    assert.ok(!existsSync(join(pkg, 'certs-here')), 'nothing written into the package');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('a client daemon that cannot join within --connect-timeout exits 3 saying what to check', async () => {
    const r = await runFedsift([
      'client',
      '--site-id',
      's',
      '--coordinator',
      '127.0.0.1:1',
      '--connect-timeout',
      '1000',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /coordinator 127\.0\.0\.1:1 unreachable for 1 s at start-up \(last: UNAVAILABLE: /);
    assert.match(
      r.stderr,
      /is that its gRPC port \(50051 by default; not the HTTP port .*--connect-timeout 0 keeps trying/,
    );
  });

  it('a client daemon exits 5 when its site has a live daemon, and when another daemon takes the site over', async () => {
    // Prepare: a coordinator whose clients stay live for 10 min without a heartbeat; a daemon (a link) holds the site
    const live = await startTestCoordinator({ clientTimeoutMs: 600_000 });
    after(() => live.close());
    const holder = new CoordinatorLink(live.address, DEFAULT_TRANSPORT);
    after(() => holder.close());
    const join = (takeover: boolean) =>
      holder.join({ siteId: 'twice', token: '', capabilities: TEST_CAPABILITIES, takeover });
    await join(false);
    const run = await live.manager.startRun({ rounds: 1, minAvailableClients: 2, model: 'mlp' }); // shows the takeovers
    const takeovers = () => run.status().siteConflicts?.[0]?.takeovers ?? 0;
    const client = (...flags: string[]) =>
      runFedsift(['client', '--site-id', 'twice', '--coordinator', live.address, ...flags]);
    // Execute: a second daemon is refused; a third takes the site over and is then taken over itself
    const refused = await client('--connect-timeout', '3000');
    const takingOver = client('--takeover');
    await waitFor('the daemon to take the site over', () => (takeovers() === 1 ? true : undefined), 120_000);
    await join(true);
    const takenOver = await takingOver;
    // Assert
    assert.equal(refused.code, 5, refused.stderr);
    assert.ok(
      logLines(refused.stderr, 'site held by a live daemon; waiting for it to stop').length > 0,
      refused.stderr,
    );
    assert.match(
      refused.stderr,
      /fedsift: Join: site "twice" already has a live daemon \(peer 127\.0\.0\.1:\d+,.*--takeover/,
    );
    assert.equal(takenOver.code, 5, takenOver.stderr);
    assert.match(
      takenOver.stderr,
      /fedsift: site "twice" is held by another daemon since .* start a daemon with --takeover/,
    );
  });

  it('a daemon restarted while its crashed predecessor still counts as live joins once that one falls silent', async () => {
    // Prepare: the predecessor (a link) heartbeats until it "crashes"; clients count as gone after 3 s of silence
    const coordinator = await startTestCoordinator({ heartbeatIntervalMs: 500, clientTimeoutMs: 3_000 });
    after(() => coordinator.close());
    const predecessor = new CoordinatorLink(coordinator.address, DEFAULT_TRANSPORT);
    after(() => predecessor.close());
    const { clientId } = await predecessor.join({ siteId: testSiteId(0), token: '', capabilities: TEST_CAPABILITIES });
    const crash = heartbeatUntilClosed(predecessor, clientId);
    const site = spawnClient(coordinator.address, 0, 4);
    after(() => stopChild(site.child));
    const logged = (msg: string) => (logLines(site.stderr(), msg).length > 0 ? true : undefined);
    // Execute: the restarted daemon is refused while the predecessor is live; then the predecessor falls silent
    await waitFor('the restarted daemon refused', () => logged('site held by a live daemon; waiting for it to stop'));
    crash();
    await waitFor('the restarted daemon to join', () => logged('listening for rounds'));
    // Assert: it holds the site now, and did not give up
    assert.equal(site.child.exitCode, null, 'still running');
    assert.equal(coordinator.liveClients(), 1);
    assert.equal((await refusal(predecessor.heartbeat(clientId)))?.code, status.PERMISSION_DENIED, 'the site moved on');
  });

  it('exits 3 when the coordinator is unreachable', async () => {
    const r = await runFedsift(['run', 'list', '--coordinator', '127.0.0.1:1']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /coordinator unreachable/);
  });

  it('starts, lists, shows and stops a run with --json', async () => {
    const started = JSON.parse(
      (await runFedsift(['run', 'start', '--rounds', '2', '--min-clients', '1', '--json', '--coordinator', c.address]))
        .stdout,
    );
    assert.equal(started.state, 'RUN_STATE_WAITING');
    assert.equal(started.totalRounds, 2);
    const listed = JSON.parse((await runFedsift(['run', 'list', '--json', '--coordinator', c.address])).stdout);
    assert.deepEqual(
      listed.map((r: { runId: string }) => r.runId),
      [started.runId],
    );
    const stopped = await runFedsift(['run', 'stop', started.runId, '--coordinator', c.address]);
    assert.equal(stopped.code, 0);
    const shown = await runFedsift(['run', 'status', started.runId, '--coordinator', c.address]);
    assert.match(shown.stdout, new RegExp(`run ${started.runId}: stopped`));
    const missing = await runFedsift(['run', 'status', 'run-nope', '--coordinator', c.address]);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /NOT_FOUND: no run with id "run-nope"/);
    const watchMissing = await runFedsift(['run', 'watch', 'run-nope', '--coordinator', c.address]);
    assert.equal(watchMissing.code, 4);
    assert.match(watchMissing.stderr, /NOT_FOUND/);
  });
});
