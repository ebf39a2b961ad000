import { secAggDelta, UpdateEncoder } from '../../client-node/daemon/index.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { playSecAggSession, SecAggSession } from '../../client-node/secagg/index.js';
import { float32ToBytes, MAX_CHUNK_BYTES, type ModelWeights } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT, type TransportConfig } from '../../shared/config/index.js';
import { secureRandomBytes } from '../../shared/privacy/index.js';
import { SECAGG_UPDATE_CODEC, type RoundAnnouncement, type WireSecureAggregation } from '../../shared/proto/index.js';
import { TEST_CAPABILITIES } from './protocol.js';

/** What a group of simulated sites reports when the run is done. */
export interface SimReport {
  /** ms from the start of runSimulatedSites until its last site joined. */
  joinedMs: number;
  updates: number;
  errors: string[];
  peakRssBytes: number;
}

/** Runs one round's fetch + submit (`play`, which resolves with the seconds the submit took); may measure around it. */
export type RoundWrapper = (play: () => Promise<number>) => Promise<void>;

/**
 * What a simulated site sends as its trained weights (the global model itself unless `train` says otherwise);
 * `site` is its index (sim-<site>).
 */
export type SiteTraining = (global: ModelWeights, site: number) => ModelWeights;

/** Simulated sites' example counts, by site index: what each declares at Join and states with its updates. */
export type SiteExamples = (site: number) => number;

/**
 * One SecAgg+ attempt of a simulated site, with the daemon's own session (client-node/secagg): key stages, then the
 * fetch and its masked delta (secAggDelta, as the daemon takes it) uploaded with SubmitUpdate, then the unmask reply.
 * @throws when the session does not end with `done`.
 */
async function secAggAttempt(
  link: CoordinatorLink,
  clientId: string,
  a: RoundAnnouncement & { fit: { secureAggregation: WireSecureAggregation } },
  train: (global: ModelWeights) => ModelWeights,
  modelBuffer: { bytes?: Uint8Array },
): Promise<void> {
  const { runId, round, attempt, selectedClientIds } = a;
  const attemptRef = { runId, round, attempt, selectedClientIds, secureAggregation: a.fit.secureAggregation };
  const session = new SecAggSession({ clientId, attempt: attemptRef });
  let specs: ModelWeights['specs'] = [];
  const outcome = await playSecAggSession(session, link.secureAggregation(), {
    train: async () => {
      const { weights } = await link.fetchModel(runId, round, clientId, undefined, modelBuffer.bytes);
      modelBuffer.bytes = float32ToBytes(weights.values); // as the daemon does (delta taken before the next download)
      specs = weights.specs;
      const settings = { localPrivacy: a.fit.localPrivacy, clippingNorm: session.clipping.clippingNorm };
      const update = secAggDelta(train(weights).values, weights.values, settings, secureRandomBytes);
      return { update, numExamples: 10 };
    },
    upload: async (payload) => {
      const update = { runId, round, attempt, clientId, numExamples: 10, metrics: {}, specs, payload };
      await link.submitUpdate({ ...update, codec: { ...SECAGG_UPDATE_CODEC } }, MAX_CHUNK_BYTES);
      return true;
    },
  });
  if (outcome.kind !== 'done')
    throw new Error(`SecAgg+ round ${round} attempt ${attempt}: ${outcome.kind}: ${outcome.reason}`);
}

/**
 * One simulated site: join, heartbeat, watch rounds, fetch + submit the model back when selected (through SecAgg+
 * when the round asks for it), until the run ends.
 */
async function simulatedSite(
  address: string,
  site: number,
  report: SimReport,
  started: number,
  wrap?: RoundWrapper,
  train: SiteTraining = (global) => global,
  numExamples = TEST_CAPABILITIES.numExamples,
  transport: TransportConfig = DEFAULT_TRANSPORT,
): Promise<void> {
  const link = new CoordinatorLink(address, transport);
  const { clientId, heartbeatIntervalMs } = await link.join({
    siteId: `sim-${site}`,
    token: '',
    capabilities: { ...TEST_CAPABILITIES, numExamples },
  });
  report.joinedMs = Math.max(report.joinedMs, performance.now() - started);
  const beat = setInterval(
    () => link.heartbeat(clientId).catch((e: Error) => report.errors.push(`heartbeat: ${e.message}`)),
    heartbeatIntervalMs,
  );
  const done = new Set<number>();
  const encoder = new UpdateEncoder();
  const modelBuffer: { bytes?: Uint8Array } = {};
  try {
    for await (const a of link.watchRounds(clientId) as AsyncIterable<RoundAnnouncement>) {
      if (a.phase === 'ROUND_PHASE_RUN_DONE') break;
      if (a.phase !== 'ROUND_PHASE_FIT' || done.has(a.round) || !a.selectedClientIds.includes(clientId)) continue;
      done.add(a.round);
      const secAgg = a.fit.secureAggregation;
      if (secAgg) {
        const attempt = { ...a, fit: { ...a.fit, secureAggregation: secAgg } };
        await secAggAttempt(link, clientId, attempt, (global) => train(global, site), modelBuffer);
        report.updates++;
        continue;
      }
      const play = async () => {
        const { weights } = await link.fetchModel(a.runId, a.round, clientId, undefined, modelBuffer.bytes);
        modelBuffer.bytes = float32ToBytes(weights.values); // as the daemon does: the next round downloads into it
        const trained = train(weights, site);
        const submitted = performance.now();
        const { payload, codec, encodeTo } = encoder.encode(a, trained, weights); // the round's codec, as the daemon does
        const update = { runId: a.runId, round: a.round, clientId, numExamples, metrics: {} };
        await link.submitUpdate({ ...update, specs: weights.specs, payload, codec, encodeTo }, MAX_CHUNK_BYTES);
        return (performance.now() - submitted) / 1000;
      };
      await (wrap ? wrap(play) : play());
      report.updates++;
    }
  } finally {
    clearInterval(beat);
    link.close();
  }
}

/**
 * `count` lightweight simulated sites (ids sim-<first>…) in this process, each with its own gRPC connection: they join,
 * heartbeat, watch rounds and, when selected, fetch the global model and submit it back as their update (no training),
 * until the run is done. Errors are collected, not thrown. Used by the scale benchmarks and tests.
 * @param wrapFirst wraps each round of the first site (the transfer benchmark times it there).
 * @param train what every site sends as its trained weights (default: the global model as fetched).
 * @param examples each site's example count (default TEST_CAPABILITIES'): declared at Join, stated with its updates.
 * @param transport the sites' gRPC settings (default DEFAULT_TRANSPORT).
 */
export async function runSimulatedSites(
  address: string,
  first: number,
  count: number,
  wrapFirst?: RoundWrapper,
  train?: SiteTraining,
  examples?: SiteExamples,
  transport?: TransportConfig,
): Promise<SimReport> {
  const report: SimReport = { joinedMs: 0, updates: 0, errors: [], peakRssBytes: 0 };
  const sample = setInterval(
    () => (report.peakRssBytes = Math.max(report.peakRssBytes, process.memoryUsage().rss)),
    200,
  );
  const started = performance.now();
  const site = (i: number) =>
    simulatedSite(
      address,
      first + i,
      report,
      started,
      i === 0 ? wrapFirst : undefined,
      train,
      examples?.(first + i),
      transport,
    );
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      site(i).catch((e: Error) => report.errors.push(`site ${first + i}: ${e.message}`)),
    ),
  );
  clearInterval(sample);
  return report;
}
