import { randomInt } from 'node:crypto';
import {
  ConfigError,
  QuorumNotMetError,
  InvalidRequestError,
  NotSelectedError,
  RoundClosedError,
  SecAggProtocolError,
  ShareDecryptionError,
} from '../../shared/errors/index.js';
import {
  secAggToWire,
  serverStageToWire,
  type SecAggAttemptRef,
  type SecAggClientStage,
  type SecAggServerStage,
  type UpdateHeader,
  type WireSecureAggregation,
} from '../../shared/proto/index.js';
import { maskedVectorFromBytes, SecAggServer } from '../../shared/secagg/index.js';
import { weightedMetricMeans } from '../strategies/index.js';
import { honestMajorityProblem } from './secagg-config.js';
import type { AttemptRound, SecAggAttemptOptions, SecAggOutcome, SecAggStreamSink } from './attempt-edges.js';
import { explainFailure, failureKind, type FailureKind } from './attempt-failure.js';

/**
 * One attempt of a SecAgg+ round on the coordinator: a fresh SecAggServer over the attempt's selected clients (a
 * graph seed from node:crypto, public but unknown before the selection), driven by their SecureAggregation streams.
 * Stages 1, 2 and 4 close when every client still in them answered or at their deadline; stage 3 is the open round's
 * upload (take), closed with it. A client whose message is malformed, or whose stream ends, is out of the attempt (a
 * dropout); too few left to rebuild a secret fails the attempt (SecAggThresholdError; other failures carry their
 * own class, see failureKind): every stream ends ABORTED and nothing is revealed.
 * @see Bonawitz et al., CCS 2017, Fig. 4; Bell et al., CCS 2020, §3; issue 17
 */
export class SecAggAttempt {
  readonly ref: SecAggAttemptRef;
  /** FitConfig.secureAggregation of the attempt. */
  readonly wire: WireSecureAggregation;
  /** sha256 of each masked vector taken, by client id. */
  readonly delivered = new Map<string, string>();
  /** Clients out of the attempt, and why. */
  private readonly dropouts = new Map<string, string>();
  private readonly server: SecAggServer;
  private readonly streams = new Map<string, SecAggStreamSink>();
  /** Who the open stage (1, 2 or 4) waits for, and who of them answered. */
  private waitingFor: ReadonlySet<string>;
  private readonly answered = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private round: AttemptRound | undefined;
  private failureValue: Error | undefined;
  private ended = false;
  private unmaskClosed: (() => void) | undefined;
  /** The survivors' example counts and header metrics (plaintext scalars). */
  /** When stage 1 opened (performance.now(), ms): the stage logs say how far into the attempt each stage began. */
  private readonly startedMs = performance.now();
  private readonly reports: { numExamples: number; metrics: Readonly<Record<string, number>> }[] = [];

  /**
   * Starts stage 1 (its deadline runs from now).
   * @throws {ConfigError} when the settings cannot run with this many clients (resolveRoundParams), or their
   *   threshold is not above half the shares.
   */
  constructor(private readonly o: SecAggAttemptOptions) {
    this.ref = o.ref;
    this.server = new SecAggServer({
      runId: o.ref.runId,
      round: o.ref.round,
      clientIds: o.clientIds,
      settings: o.params,
      graphSeed: randomInt(0, 2 ** 32),
      vectorLength: o.vectorLength,
    });
    const problem = honestMajorityProblem(this.server.params);
    if (problem)
      throw new ConfigError(`secureAggregation.${problem} (${o.clientIds.length} clients selected)`, {
        field: 'secureAggregation.reconstructionThreshold',
      });
    this.wire = secAggToWire(this.server.setupMessage(), o.clipping);
    this.waitingFor = new Set(o.clientIds);
    this.arm(o.timeouts.advertiseKeysMs, () => this.closeStage());
  }

  /** The round the attempt runs in: its dropouts fail there, and it closes when the attempt fails. */
  bind(round: AttemptRound): void {
    this.round = round;
  }

  /** Why the attempt failed (its message names round, attempt and cause); undefined unless it did. */
  get failure(): Error | undefined {
    return this.failureValue;
  }

  /**
   * A client's stream opened: it gets the stage messages from now on.
   * @throws {NotSelectedError} | {RoundClosedError} when the client is out of the attempt, or the attempt is over |
   *   {InvalidRequestError} when it has a stream already.
   */
  connect(clientId: string, sink: SecAggStreamSink): void {
    if (!this.server.graph.has(clientId))
      throw new NotSelectedError(`client ${clientId} was not selected for ${this.name}`, { clientId });
    const out = this.dropouts.get(clientId);
    if (this.ended || out !== undefined)
      throw new RoundClosedError(`${this.name} no longer takes ${clientId}: ${out ?? 'the attempt is over'}`, {
        clientId,
        round: this.ref.round,
      });
    if (this.streams.has(clientId))
      throw new InvalidRequestError(`client ${clientId} has a SecureAggregation stream for ${this.name} already`, {
        clientId,
      });
    this.streams.set(clientId, sink);
  }

  /**
   * One stage message of a connected client (stages 1, 2, 4). A malformed one puts the client out of the attempt.
   * @throws {SecAggProtocolError} | {ShareDecryptionError} for a malformed message (or none);
   *   {RoundClosedError} when its stage is not open.
   */
  receive(clientId: string, s: SecAggClientStage | undefined): void {
    try {
      if (this.dropouts.has(clientId) || !this.streams.has(clientId))
        throw new RoundClosedError(`${this.name} no longer takes messages from ${clientId}`, { clientId });
      if (!s) throw new SecAggProtocolError('the message holds no stage (keys, shares or unmask)', { clientId });
      if (s.stage === 'keys') this.server.receiveKeys(s.message);
      else if (s.stage === 'shares') this.server.receiveShares(s.message);
      else this.server.receiveUnmask(s.message);
    } catch (err) {
      if (err instanceof SecAggProtocolError || err instanceof ShareDecryptionError) {
        this.streams.get(clientId)?.fail(err); // INVALID_ARGUMENT with the reason, before drop's FAILED_PRECONDITION
        this.drop(clientId, `malformed SecAgg+ message: ${err.message}`);
      }
      throw err;
    }
    this.answered.add(clientId);
    this.closeIfAllAnswered();
  }

  /** A client's stream ended or broke before the attempt did: it is a dropout. */
  disconnect(clientId: string, reason: string): void {
    if (!this.streams.has(clientId)) return;
    // A survivor that answered stage 4 said all it had to: it still gets `done` (also while the sum is unmasked).
    const stage = this.server.currentStage;
    if ((stage === 'unmask' || stage === 'done') && this.answered.has(clientId)) return;
    this.drop(clientId, `SecAgg+ stream ${reason}`);
  }

  /** Stage 3: one client's masked vector into the sum (see MaskedIntake.take). */
  take(h: UpdateHeader, bytes: Uint8Array): void {
    if (this.dropouts.has(h.clientId))
      throw new SecAggProtocolError(`${h.clientId} is out of ${this.name}: ${this.dropouts.get(h.clientId)}`, {
        clientId: h.clientId,
      });
    const masked = maskedVectorFromBytes(bytes, this.o.vectorLength + 1, true); // added to the sum, not kept
    this.server.receiveMaskedInput({ clientId: h.clientId, round: this.ref.round, masked });
    this.delivered.set(h.clientId, h.sha256);
    this.reports.push({ numExamples: h.numExamples, metrics: h.metrics });
  }

  /**
   * Ends the attempt once its round closed: below `minClients` masked vectors nothing is unmasked (a quorum miss);
   * else stage 4 (unmask requests, replies until every survivor answered or unmaskTimeoutMs) and the sum.
   * @returns the outcome, or undefined when the attempt failed (see failure) or missed its quorum.
   */
  async conclude(minClients: number): Promise<SecAggOutcome | undefined> {
    if (this.ended) return undefined;
    const stage = this.server.currentStage;
    if (stage !== 'masked') {
      const reason = `the attempt closed (round deadline, or no client left) in SecAgg+ stage '${stage}'`;
      return this.abort(reason, QuorumNotMetError);
    }
    if (this.delivered.size < minClients)
      return this.abort(`${this.delivered.size} masked updates arrived, the quorum is ${minClients}`);
    try {
      const requests = this.server.closeMaskedInputs();
      for (const id of this.streams.keys())
        if (!requests.has(id)) this.drop(id, 'sent no masked update before the round deadline');
      this.nextStage(requests, (message) => ({ stage: 'unmask', message }));
      await new Promise<void>((resolve) => {
        this.unmaskClosed = resolve;
        this.arm(this.o.timeouts.unmaskMs, resolve);
        this.closeIfAllAnswered();
      });
      if (this.ended) return undefined; // stopped while the unmask replies came
      const result = await this.server.finish();
      this.ended = true;
      const elapsedMs = Math.round(performance.now() - this.startedMs);
      this.o.logger.debug({ ...this.ref, survivors: result.survivors.length, elapsedMs }, 'SecAgg+ sum unmasked');
      const done = serverStageToWire({
        stage: 'done',
        message: { survivors: result.survivors.length, dropped: result.dropped.length },
      });
      for (const [id, sink] of this.streams) {
        if (result.survivors.includes(id)) sink.send(done);
        sink.end();
      }
      this.streams.clear();
      return { result, metrics: weightedMetricMeans(this.reports) };
    } catch (err) {
      return this.abort(explainFailure(err, this.o.logger, this.ref), failureKind(err));
    }
  }

  /** The run stopped (or ended): every stream ends ABORTED, timers stop. */
  stop(reason: string): void {
    this.abort(reason);
  }

  private get name(): string {
    return `SecAgg+ round ${this.ref.round} attempt ${this.ref.attempt}`;
  }

  /** Closes the open stage (1, 2 or 4) at its deadline or once all answered; a threshold miss fails the attempt. */
  private closeStage(): void {
    clearTimeout(this.timer);
    this.waitingFor = new Set(); // nothing is awaited while the stage changes (the drops below close nothing)
    const stage = this.server.currentStage;
    try {
      if (stage === 'keys') {
        const requests = this.server.closeKeys();
        this.outside(requests, 'advertised no keys before the stage deadline');
        this.nextStage(requests, (message) => ({ stage: 'shareKeys', message }));
        this.arm(this.o.timeouts.shareKeysMs, () => this.closeStage());
      } else if (stage === 'shares') {
        const requests = this.server.closeShares();
        this.outside(requests, 'shared no keys before the stage deadline');
        this.nextStage(requests, (message) => ({ stage: 'maskedInput', message }));
        this.waitingFor = new Set(); // stage 3 is the open round's
      } else if (stage === 'unmask') this.unmaskClosed?.();
    } catch (err) {
      this.abort(explainFailure(err, this.o.logger, this.ref), failureKind(err));
    }
  }

  /** Sends every client of the next stage its message; the stage now waits for them. */
  private nextStage<M>(requests: ReadonlyMap<string, M>, stage: (m: M) => SecAggServerStage): void {
    this.answered.clear();
    this.waitingFor = new Set(requests.keys());
    let name: string | undefined;
    for (const [id, message] of requests) {
      const next = stage(message);
      name = next.stage;
      this.streams.get(id)?.send(serverStageToWire(next));
    }
    const elapsedMs = Math.round(performance.now() - this.startedMs);
    this.o.logger.debug({ ...this.ref, stage: name, clients: requests.size, elapsedMs }, 'SecAgg+ stage opened');
  }

  /** Every selected client not in `requests` leaves the attempt with `reason`. */
  private outside(requests: ReadonlyMap<string, unknown>, reason: string): void {
    for (const id of this.server.graph.keys()) if (!requests.has(id)) this.drop(id, reason);
  }

  /**
   * Puts a client out of the attempt: its stream (if still open) ends FAILED_PRECONDITION with `reason`; the stage
   * it was awaited in may close now.
   */
  private drop(clientId: string, reason: string): void {
    if (this.ended || this.dropouts.has(clientId)) return;
    this.dropouts.set(clientId, reason);
    const sink = this.streams.get(clientId);
    this.streams.delete(clientId);
    sink?.fail(new RoundClosedError(`${this.name}: ${clientId} ${reason}`, { clientId, round: this.ref.round }));
    this.o.logger.info({ ...this.ref, client: clientId, reason }, 'client left the SecAgg+ attempt');
    if (!this.delivered.has(clientId)) this.round?.fail(clientId, reason);
    this.closeIfAllAnswered();
  }

  private closeIfAllAnswered(): void {
    if (this.ended || this.waitingFor.size === 0) return;
    for (const id of this.waitingFor) if (!this.answered.has(id) && !this.dropouts.has(id)) return;
    this.closeStage();
  }

  /**
   * Ends the attempt without a sum: streams end ABORTED with the reason, the round closes. With `failure`, the reason
   * is the attempt's failure, of that class (the run's error if it was the last); without, the attempt missed its
   * quorum or stopped.
   */
  private abort(reason: string, failure?: FailureKind): undefined {
    if (this.ended) return undefined;
    this.ended = true;
    clearTimeout(this.timer);
    const message = `${this.name} failed: ${reason}; no update was revealed`;
    if (failure) {
      this.failureValue = new failure(message, { runId: this.ref.runId, round: this.ref.round });
      this.o.logger.warn({ ...this.ref, reason }, 'SecAgg+ attempt failed');
    }
    for (const sink of this.streams.values()) sink.abort(message);
    this.streams.clear();
    this.unmaskClosed?.();
    this.round?.close('aborted');
    return undefined;
  }

  private arm(ms: number, fire: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fire, ms);
  }
}
