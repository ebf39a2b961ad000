import { createRng } from '../../shared/random/index.js';
import {
  SecAggClient,
  SecAggServer,
  validateSecAggSettings,
  type MaskedInputRequest,
  type SecAggResult,
  type SecAggSettings,
  type UnmaskRequest,
} from '../../shared/secagg/index.js';
import { seededBytes } from './seeded-bytes.js';
import { randomValues } from './update-codecs.js';

/** The stage before which a client vanishes. */
export type SecAggStage = 'keys' | 'shares' | 'masked' | 'unmask';

/** One in-memory SecAgg+ round: who takes part, with what, and who vanishes when. */
export interface SecAggRoundSpec {
  readonly numClients: number;
  readonly vectorLength: number;
  readonly settings: SecAggSettings;
  readonly seed: number;
  /** Clients (by index) that send nothing from this stage on. */
  readonly dropBefore?: Partial<Record<SecAggStage, readonly number[]>>;
  /** Clients (by index) that run every step of their mask before they are given their update (a site that builds its mask while it trains). */
  readonly maskAhead?: readonly number[];
  /** Rewrites the masked-input requests before the clients get them (a tampering relay). */
  readonly relayShares?: (requests: Map<string, MaskedInputRequest>) => void;
  /** Rewrites the unmask requests (a curious coordinator). */
  readonly relayUnmask?: (requests: Map<string, UnmaskRequest>) => void;
}

/** A prepared round: its clients' inputs and the two sides, ready to run. */
export interface SecAggRound {
  readonly ids: readonly string[];
  readonly updates: readonly Float32Array[];
  readonly numExamples: readonly number[];
  /**
   * Client i's latest random draw: once it has masked its input, the seed of its rounding draws (the masked-input
   * stage draws nothing after it), so encodeWeightedInput(…, roundingSeed(i)) replays its quantisation.
   */
  readonly roundingSeed: (i: number) => Uint8Array;
  readonly server: SecAggServer;
  readonly clients: readonly SecAggClient[];
}

/** Builds the clients (seeded keys and rounding) and the server of a round; updates are N(0, 1) · 0.5. */
export function prepareSecAggRound(spec: SecAggRoundSpec): SecAggRound {
  const ids = Array.from({ length: spec.numClients }, (_, i) => `site-${String(i).padStart(2, '0')}`);
  const updates = ids.map((_, i) => randomValues(spec.vectorLength, spec.seed * 1000 + i, 0.5));
  const counts = createRng(spec.seed);
  const numExamples = ids.map(() => 50 + Math.floor(counts.next() * 2000));
  const latestDraw: Uint8Array[] = ids.map(() => new Uint8Array(0));
  const clients = ids.map((clientId, i) => {
    const bytes = seededBytes(spec.seed * 31 + i);
    return new SecAggClient({ clientId, randomBytes: (n) => (latestDraw[i] = bytes(n)) });
  });
  const server = new SecAggServer({
    runId: 'run-secagg',
    round: 3,
    clientIds: ids,
    settings: validateSecAggSettings(spec.settings),
    graphSeed: spec.seed,
    vectorLength: spec.vectorLength,
  });
  return { ids, updates, numExamples, roundingSeed: (i) => latestDraw[i]!, server, clients };
}

/** Runs every stage of a prepared round in memory, honouring the spec's dropouts and relays. */
export async function runSecAggRound(spec: SecAggRoundSpec, round = prepareSecAggRound(spec)): Promise<SecAggResult> {
  const { server, clients, ids } = round;
  const gone = (stage: SecAggStage, i: number): boolean => {
    const order: SecAggStage[] = ['keys', 'shares', 'masked', 'unmask'];
    return order.slice(0, order.indexOf(stage) + 1).some((s) => (spec.dropBefore?.[s] ?? []).includes(i));
  };
  const setup = server.setupMessage();
  clients.forEach((c, i) => {
    const adv = c.setup(setup);
    if (!gone('keys', i)) server.receiveKeys(adv);
  });
  const shareRequests = server.closeKeys();
  for (const [id, req] of shareRequests) {
    const i = ids.indexOf(id);
    if (!gone('shares', i)) server.receiveShares(await clients[i]!.shareKeys(req));
  }
  const maskRequests = new Map(server.closeShares());
  spec.relayShares?.(maskRequests);
  for (const [id, req] of maskRequests) {
    const i = ids.indexOf(id);
    if (gone('masked', i)) continue;
    const steps = clients[i]!.prepareMask(req); // maskInput runs the steps left
    if (spec.maskAhead?.includes(i)) while (!steps.next().done);
    server.receiveMaskedInput(clients[i]!.maskInput(round.updates[i]!, round.numExamples[i]!));
  }
  const unmaskRequests = new Map(server.closeMaskedInputs());
  spec.relayUnmask?.(unmaskRequests);
  for (const [id, req] of unmaskRequests) {
    const i = ids.indexOf(id);
    if (!gone('unmask', i)) server.receiveUnmask(clients[i]!.unmask(req));
  }
  return server.finish();
}
