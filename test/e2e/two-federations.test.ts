import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { NatsBroadcaster } from '../../coordinator/broadcast/index.js';
import { ClientRegistry } from '../../coordinator/clients/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { testAnnouncement } from '../helpers/announcements.js';
import { spawnClient, testSiteId, type ClientProcess } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { deleteRoundsStreams, NATS_URL, requireNats, testFederationId } from '../helpers/nats.js';
import { scrape, valueOf } from '../helpers/prometheus.js';

const CLIENTS = 2;

/** Join calls a coordinator accepted, from its /metrics. */
async function joinsOf(c: Coordinator): Promise<number | undefined> {
  return valueOf(await scrape(`http://127.0.0.1:${c.httpPort}/metrics`), 'fedsift_client_joins_total');
}

/** A FIT announcement selecting `clientIds` that no coordinator of `federationId` made. */
function foreignRound(
  federationId: string,
  clientIds: string[],
  o: { runId: string; deadlineUnixMs: number },
): RoundAnnouncement {
  return testAnnouncement({
    ...o,
    selectedClientIds: clientIds,
    totalRounds: 1,
    coordinatorId: randomUUID(),
    federationId,
  });
}

describe('two federations on the one shared NATS server (127.0.0.1:4222)', () => {
  it('each client joins once and hears only its own federation; both runs complete', async () => {
    // Prepare: two coordinators, each with two client processes. Both federations use the same site ids (hence client
    // ids), so an announcement of one that reached the other's clients would select them.
    await requireNats();
    const [a, b] = [testFederationId('fed-a'), testFederationId('fed-b')];
    const elsewhere = testFederationId('elsewhere');
    const coordinators: Coordinator[] = [];
    const clients: ClientProcess[][] = [];
    let intruder: NatsBroadcaster | undefined;
    try {
      for (const federationId of [a, b])
        coordinators.push(await startTestCoordinator({ natsUrl: NATS_URL, federationId }));
      const clientIds = Array.from({ length: CLIENTS }, (_, i) => ClientRegistry.clientIdFor(testSiteId(i)));
      // In federation a's stream, before its clients start: leftovers of an earlier coordinator process (a round whose
      // deadline passed, a run's end) and a live round stamped with another federation's id. None may make a client
      // join again.
      intruder = await NatsBroadcaster.connect(NATS_URL, a);
      const past = Date.now() - 60_000;
      await intruder.announce(foreignRound(a, clientIds, { runId: 'ended-round', deadlineUnixMs: past }));
      await intruder.announce({
        ...foreignRound(a, [], { runId: 'ended-run', deadlineUnixMs: 0 }),
        phase: 'ROUND_PHASE_RUN_DONE',
      });
      const live = { runId: 'intruding-run', deadlineUnixMs: Date.now() + 600_000 };
      await intruder.announce(foreignRound(elsewhere, clientIds, live));
      for (const c of coordinators)
        clients.push(
          Array.from({ length: CLIENTS }, (_, i) => spawnClient(c.address, i, CLIENTS, NATS_URL, [], 'debug')),
        );
      const aClients = clients[0]!;
      const dismissed = [
        /"run":"ended-round".*announcement ignored \(stale\)/,
        /"run":"ended-run".*announcement ignored \(stale\)/,
        /"run":"intruding-run".*announcement ignored \(other-federation\)/,
      ];
      await waitFor(
        "federation a's clients dismissing what is not their coordinator's",
        () => (aClients.every((p) => dismissed.every((line) => line.test(p.stderr()))) ? true : undefined),
        120_000,
      );

      // Execute: a run in each federation at once
      const runs = await Promise.all(
        coordinators.map((c) =>
          c.manager.startRun({
            rounds: 2,
            clientsPerRound: CLIENTS,
            minClients: CLIENTS,
            minAvailableClients: CLIENTS,
            localEpochs: 1,
            model: 'mlp',
            seed: 1,
            roundDeadlineMs: 120_000,
          }),
        ),
      );
      const done = await Promise.all(
        coordinators.map((c, i) => waitForRunState(c, runs[i]!.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED'])),
      );

      // Assert
      for (const s of done) {
        assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
        assert.deepEqual(
          s.rounds.map((r) => r.responded),
          [CLIENTS, CLIENTS],
        );
      }
      for (const c of coordinators) assert.equal(await joinsOf(c), CLIENTS, 'one Join per client, no re-join');
      const other = { [a]: b, [b]: a };
      for (const [i, federationId] of [a, b].entries())
        for (const p of clients[i]!) {
          const log = p.stderr();
          assert.match(log, new RegExp(`"federation":"${federationId}".*listening for rounds on NATS`));
          assert.match(log, new RegExp(`"run":"${runs[i]!.runId}"`), 'played its own run');
          assert.ok(!log.includes(other[federationId]!), `a ${federationId} client heard of ${other[federationId]}`);
        }
    } finally {
      await Promise.all(clients.flat().map((p) => stopChild(p.child)));
      await Promise.all(coordinators.map((c) => c.close()));
      await intruder?.close();
      await deleteRoundsStreams(a, b);
    }
  });
});
