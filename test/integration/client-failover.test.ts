import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Server, ServerCredentials, type sendUnaryData } from '@grpc/grpc-js';
import { startClient } from '../../client-node/main.js';
import type { ClientDaemon } from '../../client-node/daemon/index.js';
import { CoordinatorAddresses, CoordinatorLink } from '../../client-node/link/index.js';
import { makeDevCertificates } from '../../coordinator/auth/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { DEFAULT_TRANSPORT, parseClientConfig } from '../../shared/config/index.js';
import { NotLeaderError } from '../../shared/errors/index.js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import { loadFedsiftProto } from '../../shared/proto/index.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { recordingLogger, type LogLine } from '../helpers/logs.js';
import { freePort } from '../helpers/processes.js';
import { TEST_CAPABILITIES } from '../helpers/protocol.js';

/**
 * A stand-in for a standby coordinator on a free loopback port: every Join is refused as a standby refuses it
 * (NotLeaderError, mapped by toServiceError), naming `leader`. @returns its address, and how to stop it.
 */
async function standbyNaming(leader: string): Promise<{ address: string; close: () => void }> {
  const server = new Server();
  server.addService(loadFedsiftProto().coordinatorService, {
    Join: (_call: unknown, callback: sendUnaryData<never>) =>
      callback(toServiceError(new NotLeaderError(`this coordinator is a standby; the leader is ${leader}`))),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

/** A real daemon in this process for site `failover-site`, holding a tenth of the MNIST digits, given `coordinator`. */
function daemonConfig(coordinator: string) {
  return parseClientConfig({
    coordinator,
    siteId: 'failover-site',
    data: { kind: 'mnist', partition: { numPartitions: 10, index: 0 } },
    insecure: true,
    // Short backoffs: the daemon finds the coordinator that took over soon after it serves.
    initialBackoffMs: 50,
    maxBackoffMs: 500,
  });
}

/** The daemon's log lines saying it moved to another coordinator address: from, to and why. */
const moves = (lines: LogLine[]) =>
  lines
    .filter((l) => l.msg === 'moving to another coordinator address')
    .map(({ from, to, why }) => ({ from, to, why }));

describe('a client given several coordinator addresses (real gRPC on loopback)', () => {
  it('joins the live coordinator when the first address has nothing listening, and logs why it moved', async () => {
    // Prepare: nothing listens on closedPort (a free port, closed again)
    const closed = `127.0.0.1:${await freePort()}`;
    const live = await startTestCoordinator({}, { runtime: new FixedModelRuntime(2) });
    const { logger, lines } = recordingLogger();
    let daemon: ClientDaemon | undefined;
    try {
      // Execute
      daemon = await startClient(daemonConfig(`${closed},${live.address}`), logger);
      // Assert
      assert.ok(daemon.clientId, 'joined');
      assert.equal(live.liveClients(), 1);
      assert.deepEqual(moves(lines), [{ from: closed, to: live.address, why: 'unreachable' }]);
      assert.equal(lines.find((l) => l.msg === 'listening for rounds')?.coordinator, live.address);
    } finally {
      await daemon?.close();
      await live.close();
    }
  });

  it('goes from a standby to the leader its refusal names, over gRPC, even a leader not in the list', async () => {
    // Prepare: the list holds a standby and an address where nothing listens; the leader is not in it
    const leader = await startTestCoordinator({}, { runtime: new FixedModelRuntime(2) });
    const standby = await standbyNaming(leader.address);
    const closed = `127.0.0.1:${await freePort()}`;
    const { logger, lines } = recordingLogger();
    const link = new CoordinatorLink(
      await CoordinatorAddresses.resolve(`${standby.address},${closed}`, logger),
      DEFAULT_TRANSPORT,
    );
    try {
      // Execute
      const { clientId } = await link.join({ siteId: 'site-s', token: '', capabilities: TEST_CAPABILITIES });
      // Assert
      assert.ok(clientId);
      assert.equal(leader.liveClients(), 1, 'joined the leader');
      assert.equal(link.address, leader.address);
      assert.deepEqual(moves(lines), [{ from: standby.address, to: leader.address, why: 'standby named the leader' }]);
    } finally {
      link.close();
      standby.close();
      await leader.close();
    }
  });

  it("a DNS name's records: tries each address, and checks TLS against the name, not the address", async () => {
    // Prepare: a TLS coordinator on 127.0.0.1 whose certificate names coordinators.example only; the name resolves
    // (a stand-in resolver) to 127.0.0.2, where nothing listens, then 127.0.0.1
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-failover-tls-'));
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const certs = makeDevCertificates(['coordinators.example'], [], 1);
    const tls = { certFile: file('server.pem', certs.server.cert), keyFile: file('server-key.pem', certs.server.key) };
    const c = await startTestCoordinator({ tls }, { runtime: new FixedModelRuntime(2) });
    const lookup = async () => [{ address: '127.0.0.2' }, { address: '127.0.0.1' }];
    const { logger, lines } = recordingLogger();
    const addresses = await CoordinatorAddresses.resolve(`coordinators.example:${c.port}`, logger, lookup);
    const link = new CoordinatorLink(addresses, DEFAULT_TRANSPORT, { tls: { caFile: file('ca.pem', certs.ca.cert) } });
    try {
      // Execute
      const { clientId } = await link.join({ siteId: 'site-d', token: '', capabilities: TEST_CAPABILITIES });
      // Assert
      assert.ok(clientId);
      assert.equal(c.liveClients(), 1);
      assert.deepEqual(moves(lines), [{ from: `127.0.0.2:${c.port}`, to: `127.0.0.1:${c.port}`, why: 'unreachable' }]);
    } finally {
      link.close();
      await c.close();
    }
  });

  it(
    'follows the coordinator that carries the run on from the same state on another address: same client id, the rounds left trained',
    { timeout: 600_000 },
    async () => {
      // Prepare: coordinator A (real tfjs runtime, state in a directory) and a port for B, which is not started yet
      const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-failover-'));
      const bPort = await freePort();
      const bAddress = `127.0.0.1:${bPort}`;
      const a = await startTestCoordinator({ stateDir });
      const closeA = (() => {
        let closing: Promise<void> | undefined;
        return () => (closing ??= a.close());
      })();
      let b: Coordinator | undefined;
      const { logger, lines } = recordingLogger();
      let daemon: ClientDaemon | undefined;
      try {
        daemon = await startClient(daemonConfig(`${a.address},${bAddress}`), logger);
        const clientId = daemon.clientId;
        const { runId } = await a.manager.startRun({
          model: 'mlp',
          rounds: 4,
          clientsPerRound: 1,
          minClients: 1,
          localEpochs: 1,
          roundDeadlineMs: 600_000, // never reached: each round waits for the one daemon
        });
        await waitFor('round 1 committed on A', () => (a.manager.get(runId).status().rounds.length ? true : undefined));
        // Execute: A stops (its machine goes); B starts on the same state, on its own address
        await closeA();
        const onA = a.manager.get(runId).status().rounds.length;
        b = await startTestCoordinator({ stateDir, port: bPort });
        const done = await waitForRunState(b, runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED', 'RUN_STATE_STOPPED']);
        // Assert
        assert.equal(done.state, 'RUN_STATE_COMPLETED', done.error);
        assert.ok(onA < 4, `A ran ${onA} rounds: B had rounds left to run`);
        assert.deepEqual(
          done.rounds.map((r) => r.round),
          [1, 2, 3, 4],
          'every round once',
        );
        assert.deepEqual(
          done.rounds.slice(onA).map((r) => r.responded),
          done.rounds.slice(onA).map(() => 1),
          "B's rounds were trained by the daemon",
        );
        assert.equal(daemon.clientId, clientId, 'the same client id');
        assert.ok(
          moves(lines).some((m) => m.from === a.address && m.to === bAddress && m.why === 'unreachable'),
          JSON.stringify(moves(lines)),
        );
      } finally {
        await daemon?.close();
        await b?.close();
        await closeA();
      }
    },
  );
});
