import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { AttemptTracker } from '../../../client-node/daemon/attempt-tracker.js';
import type { FitRound, TrainedRound } from '../../../client-node/daemon/fit-training.js';
import { RoundScheduler } from '../../../client-node/daemon/round-scheduler.js';
import {
  playSecAggAttempt,
  SECAGG_STREAM_UNBOUNDED_MS,
  secAggStreamDeadline,
} from '../../../client-node/daemon/secagg-round.js';
import type { CoordinatorLink } from '../../../client-node/link/index.js';
import { ClientMetrics } from '../../../client-node/metrics/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import {
  secAggToWire,
  type RoundAnnouncement,
  type SecAggClientMessage,
  type WireSecureAggregation,
} from '../../../shared/proto/index.js';
import { SecAggServer, validateSecAggSettings, type SecAggResult } from '../../../shared/secagg/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';
import { SecAggRelay, serviceError, type RelayChannel } from '../../helpers/secagg-relay.js';
import { randomValues } from '../../helpers/update-codecs.js';

const LENGTH = 50;
const IDS = ['site-0', 'site-1', 'site-2', 'site-3'];

/** A promise and its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** One site's daemon side: its tracker, scheduler, metrics and what its training did. */
interface Site {
  id: string;
  attempts: AttemptTracker;
  rounds: RoundScheduler;
  metrics: ClientMetrics;
  channel?: RelayChannel;
  /** Resolves when the site asks for its training turn (its masked-input request came). */
  turnAsked: { promise: Promise<void>; resolve: () => void };
  trained: boolean;
  /** The site's SecAgg+ attempt, once it plays. */
  played?: Promise<void>;
}

/** The real SecAggServer of one attempt (r1, round 1) for the four sites, and its FitConfig.secure_aggregation. */
function attemptSetup(seed: number): { server: SecAggServer; wire: WireSecureAggregation } {
  const server = new SecAggServer({
    runId: 'r1',
    round: 1,
    clientIds: IDS,
    settings: validateSecAggSettings({ numShares: 5, reconstructionThreshold: 3 }),
    graphSeed: seed,
    vectorLength: LENGTH,
  });
  return {
    server,
    wire: secAggToWire(server.setupMessage(), { clippingNorm: 0, equalWeights: false, effectiveExamples: false }),
  };
}

/**
 * Four daemons' SecAgg+ attempt over a SecAggRelay (the real SecAggServer): each site's link gives its relay channel
 * as the SecureAggregation stream and uploads to the relay; its RoundScheduler, AttemptTracker and metrics are real;
 * its training returns a seeded delta. A plain FIT announcement of another run, played first by the sites start()
 * names busy, holds their queues until `busy` resolves.
 */
function federation(seed: number, onWrite?: (site: Site, m: SecAggClientMessage) => void) {
  const { server, wire } = attemptSetup(seed);
  const relay = new SecAggRelay(server);
  const secagg = testAnnouncement({
    selectedClientIds: IDS,
    fit: { ...testAnnouncement().fit, secureAggregation: wire },
  });
  const busy = deferred();
  const uploads: string[] = [];
  const uploaded = deferred();
  const sites = IDS.map((id, i): Site => {
    const site: Site = {
      id,
      attempts: new AttemptTracker(),
      rounds: undefined as unknown as RoundScheduler,
      metrics: new ClientMetrics(100),
      turnAsked: deferred(),
      trained: false,
    };
    // Only the two calls a SecAgg+ attempt makes: the stream is the relay's, the upload goes to the relay.
    const link = {
      secureAggregation: () => {
        const channel = relay.channel(id);
        site.channel = channel;
        const write = channel.write.bind(channel);
        return Object.assign(channel, {
          on: () => channel,
          write: (m: SecAggClientMessage) => {
            const sent = write(m);
            onWrite?.(site, m);
            return sent;
          },
        });
      },
      submitUpdate: (u: { payload: Uint8Array }) => {
        if (!relay.upload(id, u.payload))
          return Promise.reject(serviceError(status.FAILED_PRECONDITION, 'the attempt takes no masked vector'));
        uploads.push(id);
        if (uploads.length === 3) uploaded.resolve();
        return Promise.resolve({ accepted: true, currentRound: 1, message: 'ok' });
      },
    } as unknown as CoordinatorLink;
    const s = {
      config: {},
      link,
      metrics: site.metrics,
      clientId: id,
      maxChunkBytes: 1 << 20,
      attempts: site.attempts,
      uploadRetry: { initialMs: 10, maxMs: 10, random: () => 0 },
      modelBuffer: {},
      secAggMemo: {},
      exclusive: <T>(work: () => Promise<T>) => {
        site.turnAsked.resolve();
        return site.rounds.exclusive(work);
      },
      isClosed: () => false,
      onError: () => {},
      log: silentLogger(),
    } as unknown as FitRound;
    const train = async (usable: () => boolean): Promise<TrainedRound | undefined> => {
      assert.equal(usable(), true);
      site.trained = true;
      const global = {
        specs: [{ name: 'w', shape: [LENGTH], dtype: 'float32' as const }],
        values: new Float32Array(LENGTH),
      };
      const weights = { specs: global.specs, values: randomValues(LENGTH, seed * 10 + i, 0.5) };
      return { fit: { weights, numExamples: 100 * (i + 1), metrics: {} }, sent: weights, global };
    };
    site.rounds = new RoundScheduler(
      {
        fit: (a) => {
          if (!a.fit.secureAggregation) return busy.promise;
          site.played = playSecAggAttempt(s, a, a.fit.secureAggregation, train);
          return site.played;
        },
        statistics: () => Promise.reject(new Error('no statistics round here')),
        release: () => Promise.reject(new Error('no run ends here')),
      },
      silentLogger(),
    );
    return site;
  });
  /**
   * Announces the SecAgg+ attempt to every site, after a plain round of another run to the `busy` sites (held up
   * until `busy` resolves).
   */
  const start = (busySites: readonly string[] = IDS) => {
    for (const site of sites) {
      const other = testAnnouncement({ runId: 'r0', selectedClientIds: IDS });
      for (const a of busySites.includes(site.id) ? [other, secagg] : [secagg]) {
        site.attempts.observe(a);
        site.rounds.schedule(a, site.id);
      }
    }
  };
  return { sites, relay, secagg, busy, uploads, uploaded, start };
}

/** This site's rounds counted by outcome (fedsift_client_rounds_total). */
async function roundsCounted(site: Site): Promise<Record<string, number>> {
  const metric = await site.metrics.registry.getSingleMetric('fedsift_client_rounds_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.outcome), v.value]));
}

function asResult(r: SecAggResult | Error): SecAggResult {
  if (r instanceof Error) throw r;
  return r;
}

const newerAttempt = (a: RoundAnnouncement): RoundAnnouncement => ({ ...a, attempt: a.attempt + 1 });

describe('SecAgg+ attempts of the daemon (playSecAggAttempt, RoundScheduler)', () => {
  it('runs the key stages while the site is busy with another round, and trains in its turn after it', async () => {
    // Prepare
    const f = federation(31);
    // Execute: every site is busy with another run's round when the SecAgg+ attempt is announced
    f.start();
    await Promise.all(f.sites.map((s) => s.turnAsked.promise));
    const trainedWhileBusy = f.sites.map((s) => s.trained);
    f.busy.resolve();
    await Promise.all(f.sites.map((s) => s.played));
    // Assert: the masked-input request reached every site while its queue was busy (keys and shares done outside
    // it), none trained before its turn; then all trained, uploaded and were counted submitted in the unmasked sum
    assert.deepEqual(trainedWhileBusy, [false, false, false, false]);
    assert.deepEqual(f.uploads.sort(), IDS);
    assert.deepEqual(asResult(await f.relay.result).survivors, IDS);
    for (const site of f.sites) assert.deepEqual(await roundsCounted(site), { submitted: 1 });
  });

  it('skips training and cancels the stream when a newer attempt is announced while it waits for its turn', async () => {
    // Prepare
    const f = federation(32);
    f.start();
    const [late, ...others] = f.sites;
    await late!.turnAsked.promise;
    // Execute: site-0 hears of a newer attempt while another round holds its queue; the others go on
    late!.attempts.observe(newerAttempt(f.secagg));
    f.busy.resolve();
    await Promise.all(f.sites.map((s) => s.played));
    // Assert: site-0 never trained, left (its stream cancelled) and counted nothing; the sum holds the three others
    assert.equal(late!.trained, false);
    assert.equal(late!.channel!.cancelled, true);
    assert.deepEqual(await roundsCounted(late!), {});
    assert.deepEqual(asResult(await f.relay.result).dropped, ['site-0']);
    for (const site of others) assert.deepEqual(await roundsCounted(site), { submitted: 1 });
  });

  it('does not train when the attempt went on without it while it waited for its turn', async () => {
    // Prepare: site-0 alone is busy with another round
    const f = federation(33);
    f.start(['site-0']);
    await Promise.all([f.sites[0]!.turnAsked.promise, f.uploaded.promise]);
    // Execute: the masked-input stage closes without site-0 and the three others' sum is unmasked; then its turn
    f.relay.expire();
    const result = asResult(await f.relay.result);
    f.busy.resolve();
    await Promise.all(f.sites.map((s) => s.played));
    // Assert: site-0 did not train for an attempt that could no longer use its update, and counted a failed round
    assert.equal(f.sites[0]!.trained, false);
    assert.deepEqual(await roundsCounted(f.sites[0]!), { failed: 1 });
    assert.deepEqual(result.dropped, ['site-0']);
    for (const site of f.sites.slice(1)) assert.deepEqual(await roundsCounted(site), { submitted: 1 });
  });

  it('answers a newer announcement after its unmask reply by staying for `done`: its update is in the sum', async () => {
    // Prepare: site-0 hears of a newer attempt right after writing its unmask reply
    let f!: ReturnType<typeof federation>;
    f = federation(34, (site, m) => {
      if (site.id === 'site-0' && m.unmask) site.attempts.observe(newerAttempt(f.secagg));
    });
    // Execute
    f.start([]);
    await Promise.all(f.sites.map((s) => s.turnAsked.promise));
    await Promise.all(f.sites.map((s) => s.played));
    // Assert: site-0's stream was not cancelled; its round counts as submitted, as everyone's
    assert.equal(f.sites[0]!.channel!.cancelled, false);
    assert.deepEqual(asResult(await f.relay.result).survivors, IDS);
    for (const site of f.sites) assert.deepEqual(await roundsCounted(site), { submitted: 1 });
  });
});

describe('playSecAggAttempt when the session cannot start', () => {
  it('hands the error to onError and counts a failed round instead of throwing', async () => {
    // Prepare: a link whose SecureAggregation call fails at once
    const errors: unknown[] = [];
    const metrics = new ClientMetrics(100);
    const link = {
      secureAggregation: () => {
        throw new Error('no channel');
      },
    } as unknown as CoordinatorLink;
    const s = { link, metrics, clientId: 'site-0', isClosed: () => false, onError: (e: unknown) => errors.push(e) };
    const round = { ...s, attempts: new AttemptTracker(), log: silentLogger() } as unknown as FitRound;
    const a = testAnnouncement({ selectedClientIds: IDS });
    // Execute
    await playSecAggAttempt(round, a, attemptSetup(35).wire, () => Promise.resolve(undefined));
    // Assert
    assert.deepEqual(errors, [new Error('no channel')]);
    assert.deepEqual(await roundsCounted({ metrics } as Site), { failed: 1 });
  });
});

describe('secAggStreamDeadline', () => {
  it("is the attempt's deadline plus a grace, and a bounded time from now for an attempt with none", () => {
    assert.equal(secAggStreamDeadline({ deadlineUnixMs: 1_000_000 }, 5), 1_120_000);
    assert.equal(secAggStreamDeadline({ deadlineUnixMs: 0 }, 5), 5 + SECAGG_STREAM_UNBOUNDED_MS);
  });
});
