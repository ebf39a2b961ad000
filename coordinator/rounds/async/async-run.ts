import { parseCodecSpec, type CodecSpec, type ModelWeights } from '../../../shared/codec/index.js';
import type { UpdateHeader } from '../../../shared/proto/index.js';
import { asyncSettingsOf, type AsyncSettings } from '../../fedbuff/index.js';
import type { UpdateValues } from '../../strategies/index.js';
import { encodeModel, type EncodedModel } from '../encoded-model.js';
import { lostClientFailure } from '../lost-clients.js';
import { DEADLINE_FAILURE, roundClosedError } from '../round-progress.js';
import { receivePlain, UpdateIntake, type UpdateReceiver } from '../update-intake.js';
import {
  checkStaleness,
  dispatchEndedError,
  dispatchIntake,
  noDispatch,
  notDispatched,
  sameUpdate,
} from './dispatch-intake.js';
import { ConsumedUpdates } from './consumed-updates.js';
import { dispatchClients, type AsyncRunOptions } from './dispatch-batch.js';
import { DispatchIds } from './dispatch-ids.js';
import { Dispatches, dispatchKey, type Dispatch } from './dispatches.js';
import { VersionBuffer, type MadeVersion } from './version-buffer.js';
import { VersionModels } from './version-models.js';

/**
 * How often dispatched clients that stopped heartbeating are failed, and free clients looked for besides every
 * update's end (clients that joined meanwhile) (ms).
 */
const DISPATCH_POLL_MS = 250;

/**
 * The asynchronous engine of one run (FedBuff, Nguyen et al. 2022, Alg. 1), on the coordinator's intake: free
 * eligible clients are dispatched the latest served version (at most async.maxConcurrency training at once, in
 * dispatch batches announced as fit announcements whose `attempt` is the batch id, never repeated in the run, across
 * restarts too: DispatchIds); an update names its base round (UpdateHeader.round = version + 1, as in a synchronous
 * round) and batch (UpdateHeader.attempt), passes the round intake's checks against its base model, and is folded into
 * the strategy's streaming accumulator rebased onto the current version (rebaseUpdate, weight nₖ); every
 * async.bufferSize updates make a new version (strategy finish, so server optimisers step once per version). An update
 * more than maxStaleness versions behind is refused with StaleRoundError (ABORTED) carrying the current round. Keeps
 * the models of the versions outstanding dispatches train from (at most maxStaleness + 1 of them) besides the current
 * one. Made versions queue for RunController to evaluate and commit in order (nextVersion).
 */
export class AsyncRun {
  private readonly s: AsyncSettings;
  private readonly models = new VersionModels();
  private readonly dispatches = new Dispatches();
  private readonly ids: DispatchIds;
  private readonly consumed: ConsumedUpdates;
  private readonly updateCodec: CodecSpec;
  private buffer: VersionBuffer;
  /** The latest version made (0 = the initial model). */
  private latest: number;
  private open = true;
  private failure: Error | undefined;
  private readonly made: MadeVersion[] = [];
  private wake: (() => void) | undefined;
  private readonly closeListeners = new Set<() => void>();
  private readonly ticker: NodeJS.Timeout;
  /** The latest serveLatest, which the next one waits for; the first serves the version the run starts from. */
  private serving: Promise<void> = Promise.resolve();

  constructor(private readonly o: AsyncRunOptions) {
    this.s = asyncSettingsOf(o.config.async);
    const { version, weights, async } = o.from;
    this.latest = version;
    this.models.add(version + 1, weights);
    this.ids = new DispatchIds({
      runId: o.runId,
      store: o.store,
      from: { reserved: o.resume?.run.dispatchIdsReserved ?? 0, nextDispatch: async?.nextDispatch },
      onReserved: () => void this.dispatch(),
      onFailure: (err) => this.abort(err),
    });
    this.consumed = new ConsumedUpdates(this.s.maxStaleness + 1, async && { at: version, entries: async.consumed });
    this.updateCodec = parseCodecSpec(o.config.updateCodec);
    this.buffer = this.newBuffer(weights);
    this.ticker = setInterval(() => this.tick(), DISPATCH_POLL_MS).unref();
    this.serveNext();
  }

  /** The round whose buffer fills now (latest version + 1); an update from it has staleness 0. */
  get currentRound(): number {
    return this.latest + 1;
  }

  /**
   * Encodes and publishes the latest version's model, hands it to later dispatches, dispatches free clients. Called
   * once at the start, then after each version is made (serialized: `serving`).
   */
  private async serveLatest(): Promise<void> {
    if (!this.open) return;
    const { model, downloadCodec } = this.o.config;
    const round = this.currentRound;
    const publish = this.o.publish && ((m: EncodedModel) => this.o.publish!(round, m));
    if (!(await this.models.serve(round, (w) => encodeModel(model, round, w, downloadCodec), publish))) return;
    this.release();
    await this.dispatch();
  }

  /** Serves the latest version after the one being served; a publish that fails fails the run. */
  private serveNext(): void {
    this.serving = this.serving
      .then(() => this.serveLatest())
      .catch((err: unknown) => this.abort(err instanceof Error ? err : new Error(String(err))));
  }

  /** The next made version, in order; undefined once stopped. @throws what failed the run (QuorumNotMetError…). */
  async nextVersion(): Promise<MadeVersion | undefined> {
    for (;;) {
      const next = this.made.shift();
      if (next) return next;
      if (this.failure) throw this.failure;
      if (!this.open) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * The model a dispatched client trains from. @throws {RoundClosedError} | {NotSelectedError} without that dispatch |
   * {StaleRoundError} when it is past maxStaleness already (the dispatch ends: its update could not count).
   */
  modelFor(round: number, clientId: string): EncodedModel {
    if (!this.open) throw roundClosedError(this.o.runId, round, clientId);
    const d = this.dispatches.of(clientId);
    if (d?.round === round) this.failIfStale(d, clientId);
    const model = d?.round === round ? this.models.model(round) : undefined;
    if (!model) throw notDispatched(this.o.runId, round, clientId);
    return model;
  }

  /**
   * An update's header → the receiver of its bytes. A re-send of a folded update (same dispatch key) is acknowledged
   * without folding, also after a restart (the checkpoint's consumed keys).
   * @throws {StaleRoundError} past maxStaleness or without an outstanding dispatch of that key (the coordinator
   *   restarted, the deadline passed) | {RoundClosedError} once the run ends | {DuplicateUpdateError} for a different
   *   re-send | {InvalidUpdateError} (see checkUpdateHeader; also from a round not started)
   */
  receive(h: UpdateHeader): UpdateReceiver {
    const key = dispatchKey(h.clientId, h.attempt ?? 0);
    const folded = this.consumed.digestOf(key);
    if (folded !== undefined) {
      sameUpdate(folded, h);
      return UpdateIntake.alreadyAccepted(h, (sha256) => sameUpdate(folded, { ...h, sha256 }));
    }
    if (!this.open) throw roundClosedError(this.o.runId, h.round, h.clientId);
    const d = this.dispatches.get(h.clientId, key);
    if (d?.round !== h.round) throw noDispatch(h, this.currentRound, this.s.maxStaleness, this.o.runId);
    this.failIfStale(d, h.clientId);
    const intake = dispatchIntake(d, this.models.weights(d.round)!, this, this.o);
    return receivePlain(intake, h, {
      round: h.round,
      codec: this.updateCodec,
      sender: (id) => this.o.clients.get(id).capabilities,
      maxUpdateNorm: this.o.config.maxUpdateNorm,
    });
  }

  /** A dispatched client says it cannot deliver (an in-process client whose step threw). @throws {NotSelectedError} */
  reportFailure(round: number, clientId: string, reason: string): void {
    const d = this.dispatches.of(clientId);
    if (d?.round !== round) throw notDispatched(this.o.runId, round, clientId);
    this.fail(d, reason);
  }

  /** Whether updates are taken (until the run stops or makes its last version). */
  get isOpen(): boolean {
    return this.open;
  }

  isOutstanding(d: Dispatch): boolean {
    return this.dispatches.isOutstanding(d);
  }

  /** Calls `listener` once the engine closes. @returns unsubscribe. */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Folds a checked update of dispatch `d` into the buffer, rebased by η_g·s(τ) with τ counted now; makes a version
   * when the buffer is full. @returns false when the same update was folded meanwhile (a concurrent re-send).
   * @throws {StaleRoundError} when versions made during the upload put it past maxStaleness | {RoundClosedError}
   *   once the run closed or `d` ended without this update (its deadline passed, its client was lost)
   */
  fold(d: Dispatch, h: UpdateHeader, bytes: Uint8Array, values: UpdateValues, updateNorm?: number): boolean {
    try {
      const folded = this.consumed.digestOf(d.key);
      if (folded !== undefined) return !sameUpdate(folded, h);
      if (!this.open) throw roundClosedError(this.o.runId, d.round, h.clientId);
      if (!this.dispatches.isOutstanding(d)) throw dispatchEndedError(d, this.o.runId);
      this.failIfStale(d, h.clientId);
      const tau = this.currentRound - d.round;
      const b = this.buffer;
      b.fold(h, values, { base: this.models.weights(d.round)!.values, tau, updateNorm });
      this.consumed.add(d.key, h.sha256);
      this.dispatches.end(d);
      this.o.logger.debug({ round: b.round, client: h.clientId, staleness: tau }, 'update folded');
      if (b.accumulator.count >= this.s.bufferSize) this.makeVersion();
      void this.dispatch();
      return true;
    } finally {
      this.o.spareBuffers.push(bytes); // FedAvg-family accumulators read the values during add and keep nothing
    }
  }

  /**
   * @throws see checkStaleness, after ending the dispatch (its update can never count now; FedBuff drops stale
   *   updates routinely, so this does not count toward the failure limit, see fail).
   */
  private failIfStale(d: Dispatch, clientId: string): void {
    try {
      checkStaleness(this.currentRound, d.round, this.s.maxStaleness, { runId: this.o.runId, clientId });
    } catch (err) {
      this.fail(d, (err as Error).message, false);
      throw err;
    }
  }

  /** The full buffer becomes the next version (strategy finish); a new buffer opens on it unless it was the last. */
  private makeVersion(): void {
    const b = this.buffer;
    let aggregate;
    try {
      aggregate = b.accumulator.finish(b.failures);
    } catch (err) {
      return this.abort(err as Error);
    } finally {
      b.accumulator.dispose();
    }
    const serverState = Object.fromEntries(
      Object.entries(this.o.strategy.serverState()).map(([k, v]) => [k, v.slice()]),
    );
    const async = { consumed: this.consumed.seal(b.round), nextDispatch: this.ids.next };
    const modelBytes = this.models.model(b.round)?.bytesSent ?? 0;
    this.made.push({ buffer: b, aggregate, serverState, async, madeMs: this.o.clock.now(), modelBytes });
    this.latest = b.round;
    this.models.add(this.currentRound, aggregate.weights);
    this.o.logger.info({ version: b.round, staleness: b.staleness }, 'version made');
    if (this.latest >= this.o.config.rounds) this.stop();
    else this.buffer = this.newBuffer(aggregate.weights);
    this.release();
    this.serveNext();
    this.wake?.();
  }

  /**
   * Ends a dispatch without an update (listed in the version's failures); fails the run when `counted` ones reach
   * maxRoundAttempts × bufferSize while one buffer fills.
   */
  fail(d: Dispatch, reason: string, counted = true): void {
    if (!this.dispatches.end(d)) return;
    this.o.logger.warn({ round: d.round, client: d.clientId, reason }, 'dispatch ended without an update');
    const limit = counted ? this.o.config.maxRoundAttempts * this.s.bufferSize : Infinity;
    const failed = this.buffer.addFailure({ clientId: d.clientId, reason }, limit, this.o.runId);
    if (failed) this.abort(failed);
    else void this.dispatch();
  }

  /**
   * Fails the dispatches of clients no longer live (no heartbeat within the client timeout, as closeFailingLostClients
   * does in a round), which frees their slots at once, then dispatches free clients.
   */
  private tick(): void {
    const now = this.o.clock.now();
    const lost = lostClientFailure(this.o.clients.clientTimeoutMs);
    for (const d of this.dispatches.all()) if (!this.o.clients.isLive(d.clientId, now)) this.fail(d, lost);
    void this.dispatch();
  }

  /**
   * Dispatches free clients the latest version's model (dispatchClients); nothing once closed, nor while the latest
   * version is not served yet (serveLatest dispatches once it is).
   */
  private async dispatch(): Promise<void> {
    const round = this.models.served;
    const model = this.models.model(round);
    if (!this.open || round !== this.currentRound || !model) return;
    await dispatchClients(this.o, this.dispatches, {
      round,
      model,
      weights: this.models.weights(round)!,
      maxConcurrency: this.s.maxConcurrency,
      updateCodec: this.updateCodec,
      ids: this.ids,
      onDeadline: (d) => this.fail(d, DEADLINE_FAILURE),
    });
  }

  private newBuffer(weights: ModelWeights): VersionBuffer {
    const round = this.currentRound;
    const accumulator = this.o.strategy.beginAggregation(round, weights);
    return new VersionBuffer(round, weights, accumulator, this.o.clock.now(), this.s);
  }

  /** Drops the models nothing can use: not current or served, no outstanding dispatch's base within maxStaleness. */
  private release(): void {
    this.models.release(this.dispatches.rounds().add(this.currentRound), this.currentRound - this.s.maxStaleness);
  }

  private abort(err: Error): void {
    this.failure ??= err;
    this.stop();
  }

  /** Ends the engine (run stopped or finished): uploads still running are refused, nextVersion gives undefined. */
  stop(): void {
    if (!this.open) return void this.wake?.();
    this.open = false;
    clearInterval(this.ticker);
    this.dispatches.clear();
    this.buffer.accumulator.dispose(); // idempotent: the last version's was disposed when it was made
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    queueMicrotask(() => listeners.forEach((l) => l()));
    this.wake?.();
  }
}
