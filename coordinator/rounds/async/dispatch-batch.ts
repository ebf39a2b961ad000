import type { CodecSpec, ModelWeights } from '../../../shared/codec/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../../shared/proto/index.js';
import type { ClientRegistry } from '../../clients/index.js';
import type { RunConfig } from '../../config/index.js';
import type { AsyncCheckpoint, RunStore, StoredRun } from '../../store/index.js';
import type { Strategy } from '../../strategies/index.js';
import { trainingAnnouncement, type AnnouncementSource } from '../announcements.js';
import type { EncodedModel } from '../encoded-model.js';
import type { Clock } from '../run-deps.js';
import type { DispatchIds } from './dispatch-ids.js';
import type { Dispatch, Dispatches } from './dispatches.js';

/** Collaborators of an asynchronous run's engine (AsyncRun). */
export interface AsyncRunOptions {
  runId: string;
  config: RunConfig;
  strategy: Strategy;
  clients: ClientRegistry;
  clock: Clock;
  logger: Logger;
  /** Ids of the live clients whose data fits the run, in join order. */
  eligible(): string[];
  /** Broadcasts an announcement; never throws (announceSafely). */
  announce(a: RoundAnnouncement): Promise<void>;
  /** Who announces, with the RunSpec hash the run uses now. */
  source(): AnnouncementSource;
  /** Puts a round's model where clients download it (NATS object store), before any dispatch names it. */
  publish?(round: number, model: EncodedModel): Promise<void>;
  /** The run's pooled update receive buffers (RoundBuffers.receive). */
  spareBuffers: Uint8Array[];
  /** No dispatch deadline (the in-process simulation). */
  untimed: boolean;
  /** Where the run stands: its last committed version (0 = none), that model, and its checkpoint's async part. */
  from: { version: number; weights: ModelWeights; async?: AsyncCheckpoint };
  /** Where the dispatch batch ids are reserved (DispatchIds); none = in memory only. */
  store?: Pick<RunStore, 'reserveDispatchIds'>;
  /** The stored run a restarted coordinator resumes: the dispatch batch ids reserved before the restart. */
  resume?: { run: Pick<StoredRun, 'dispatchIdsReserved'> };
}

/**
 * Sends free clients off to train from `round`'s model, as one dispatch batch: the strategy's selection among the
 * eligible clients not training now (configureFit: its fit config follows the round, so the curriculum's pace
 * follows the version), cut to the free concurrency slots; each gets a Dispatch under the batch's id (the next of
 * `ids`; with the run's roundDeadlineMs unless untimed), then one fit announcement (`dispatch`) names them all with
 * the batch id as its `attempt`.
 * Does nothing when no slot or no client is free, nor while the next id is being reserved (DispatchIds.take).
 */
export async function dispatchClients(
  o: AsyncRunOptions,
  dispatches: Dispatches,
  b: {
    round: number;
    model: EncodedModel;
    weights: ModelWeights;
    maxConcurrency: number;
    updateCodec: CodecSpec;
    ids: DispatchIds;
    onDeadline: (d: Dispatch) => void;
  },
): Promise<void> {
  const slots = b.maxConcurrency - dispatches.size;
  const free = slots > 0 ? o.eligible().filter((id) => !dispatches.isBusy(id)) : [];
  if (free.length === 0) return;
  const instructions = o.strategy.configureFit(b.round, b.weights, { available: free }).slice(0, slots);
  const id = instructions.length === 0 ? undefined : b.ids.take();
  if (id === undefined) return;
  const { roundDeadlineMs } = o.config;
  const deadline = o.untimed ? undefined : { ms: roundDeadlineMs, onDeadline: b.onDeadline };
  for (const i of instructions) dispatches.open(i.clientId, b.round, id, deadline);
  const selectedClientIds = instructions.map((i) => i.clientId);
  o.logger.debug({ round: b.round, dispatch: id, clients: selectedClientIds }, 'clients dispatched');
  await o.announce(
    trainingAnnouncement(o.source(), {
      round: b.round,
      model: b.model,
      instructions,
      selectedClientIds,
      evaluateClientIds: [],
      deadlineUnixMs: o.untimed ? null : o.clock.now() + roundDeadlineMs,
      updateCodec: b.updateCodec,
      attempt: id,
      dispatch: true,
    }),
  );
}
