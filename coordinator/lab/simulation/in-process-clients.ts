import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LayersModel } from '@tensorflow/tfjs';
import {
  buildRunModel,
  evaluationReport,
  runTrainer,
  trainLocalRound,
  UpdateEncoder,
  type Slowdown,
} from '../../../client-node/daemon/index.js';
import { statisticsToSend } from '../../../client-node/data/index.js';
import type { LocalFitResult, LocalTrainer } from '../../../client-node/training/index.js';
import { modelValues } from '../../../client-node/link/index.js';
import { totalElements, type ModelWeights, type TensorSpec } from '../../../shared/codec/index.js';
import { NotSelectedError, RoundClosedError, StaleRoundError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import {
  specsFromWire,
  specsToWire,
  type EvaluationReport,
  type RoundAnnouncement,
  type RunSpec,
  type UpdateHeader,
} from '../../../shared/proto/index.js';
import { deriveSeed } from '../../../shared/random/index.js';
import type { Tf } from '../../../shared/tf/index.js';
import type { RoundBroadcaster } from '../../broadcast/index.js';
import type { EncodedModel, RunController } from '../../rounds/index.js';
import type { VirtualClient } from './virtual-clients.js';

/** What the in-process clients share: tfjs, the run seed, where reports go. */
export interface InProcessClientsOptions {
  tf: Tf;
  /** Seeds each client's local shuffles with (seed, virtual client id). */
  seed: number;
  /** Directory of per-client label-issue reports (one folder per virtual client id); none = no reports. */
  reportDir?: string;
  logger: Logger;
  /** Slowdown factor F > 1 by virtual client id (`sim-<i>`; resolveSlowClients leaves F = 1 out); the others run at full speed. */
  slowClients?: ReadonlyMap<string, number>;
  /** The simulation's clock (ms): measures a slowed client's work. */
  clock: { now(): number };
  /** Waits a slowed client's (F − 1)× its work (ms). @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Asynchronous runs: every client of an announcement plays at once (a slowed client's wait no longer holds the
   * others up); their local work still takes turns on the run's one model. @default false: one after another
   */
  concurrent?: boolean;
}

/**
 * The simulation's transport: instead of gRPC and NATS, the run's announcements reach virtual clients in this
 * process, which answer through the same run controller the gRPC service calls — runSpec (FetchRunSpec), modelFor
 * (FetchModel), reportEvaluation, receiveUpdate and its receiver (SubmitUpdate) — so every check, the quorum, retries
 * and aggregation are the coordinator's own. The selected clients of a round play one after another, in selection
 * order, so a seed gives one result whatever the machine's speed: a slowed client (`slowClients`) makes its round
 * longer by its wait, not its model different. A client whose step throws (training, a refused
 * update) fails the round at once (reportFailure), as a deadline would fail it on the coordinator.
 */
export class InProcessClients implements RoundBroadcaster {
  readonly name = 'in-process';
  private run: RunController | undefined;
  private playing: Promise<void> = Promise.resolve();
  /** Clients playing concurrently (option concurrent), for close(). */
  private readonly playingClients = new Set<Promise<void>>();
  /** The end of the latest local-work turn on the run's one model (see turn). */
  private turns: Promise<void> = Promise.resolve();
  /** The run's model, built from its spec as a daemon builds it (buildRunModel); rebuilt when the spec changes. */
  private built: { sha256: string; model: LayersModel } | undefined;
  private readonly encoders = new Map<string, UpdateEncoder>();

  /** @param clients the virtual clients by the client id the run's registry gave them. */
  constructor(
    private readonly clients: ReadonlyMap<string, VirtualClient>,
    private readonly o: InProcessClientsOptions,
  ) {}

  /** The run whose announcements this transport carries (set before the run starts). */
  attach(run: RunController): void {
    this.run = run;
  }

  /** Plays the announced round's selected clients after the previous round's (returns at once, as a broadcast does). */
  async announce(a: RoundAnnouncement): Promise<void> {
    if (a.phase === 'ROUND_PHASE_FIT' && this.o.concurrent) {
      for (const clientId of a.selectedClientIds) {
        const playing = this.playOne(this.run!, a, clientId).finally(() => this.playingClients.delete(playing));
        this.playingClients.add(playing);
      }
      return;
    }
    if (a.phase !== 'ROUND_PHASE_FIT' && a.phase !== 'ROUND_PHASE_STATISTICS') return;
    this.playing = this.playing
      .then(() => (a.phase === 'ROUND_PHASE_FIT' ? this.playRound(a) : this.playStatistics(a)))
      .catch((err: unknown) => {
        // Only a bug gets here (playRound handles every client's failure): stop the run rather than hang it.
        this.o.logger.error({ err }, 'in-process clients failed; stopping the simulated run');
        this.run?.stop();
      });
  }

  healthy(): boolean {
    return true;
  }

  /** Waits for the round (or the concurrent clients) being played to end, then releases the run's model. */
  async close(): Promise<void> {
    await this.playing;
    while (this.playingClients.size > 0) await Promise.all(this.playingClients);
    this.built?.model.dispose();
    this.built = undefined;
  }

  private async playRound(a: RoundAnnouncement): Promise<void> {
    for (const clientId of a.selectedClientIds) await this.playOne(this.run!, a, clientId);
  }

  /** One client's part (playClient); a step that threw fails the client at once (reportFailure). */
  private async playOne(run: RunController, a: RoundAnnouncement, clientId: string): Promise<void> {
    try {
      await this.playClient(run, a, clientId);
    } catch (err) {
      // The intake already failed a client whose update it refused; this covers a local step that threw.
      const reason = err instanceof Error ? err.message : String(err);
      try {
        run.reportFailure(a.round, clientId, reason);
      } catch (late) {
        if (!(late instanceof RoundClosedError || late instanceof StaleRoundError || late instanceof NotSelectedError))
          throw late;
      }
    }
  }

  /**
   * Waits for this client's turn on the run's one model (tfjs trains one client at a time). @returns the release,
   * which may be called more than once.
   */
  private async turn(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.turns;
    this.turns = before.then(() => mine);
    await before;
    return release;
  }

  /**
   * Round 0 of a run with a data schema, as the daemon plays it (playStatisticsRound): each selected client sends what
   * statisticsToSend gives, its sums or, below the schema's minSiteRows, only its row count, which the run refuses by
   * design. A client that cannot answer is logged; the attempt then fails it at its deadline.
   */
  private async playStatistics(a: RoundAnnouncement): Promise<void> {
    const run = this.run!;
    const spec = run.runSpec();
    for (const clientId of a.selectedClientIds) {
      const site = this.clients.get(clientId)!.site;
      try {
        const { sums, rowsOnly } = statisticsToSend(site, spec);
        try {
          run.submitStatistics({ runId: a.runId, clientId, ...sums });
        } catch (err) {
          if (!rowsOnly) throw err; // a row count alone is refused by design
        }
      } catch (err) {
        this.o.logger.warn({ client: clientId, err: (err as Error).message }, 'feature statistics not sent');
      }
    }
  }

  /** The run's spec and its model, built once per spec (every virtual client trains the same architecture). */
  private async runModel(run: RunController): Promise<{ spec: RunSpec; model: LayersModel }> {
    const spec = run.runSpec();
    if (this.built?.sha256 === spec.sha256) return { spec, model: this.built.model };
    this.built?.model.dispose();
    this.built = undefined;
    const model = await buildRunModel(this.o.tf, spec);
    this.built = { sha256: spec.sha256, model };
    return { spec, model };
  }

  /**
   * One virtual client's part of a round, as the daemon plays it: the run's spec and model, the global model, an
   * evaluation when asked, weighting and training (trainLocalRound), submit. One LocalTrainer per client-round over
   * the run's one model keeps tfjs memory at one model + one client's data whatever N is (measured: no slower than
   * keeping N trainers); local shuffles are seeded by (run seed, client id, round), so the trainer carries no state
   * across rounds.
   */
  private async playClient(run: RunController, a: RoundAnnouncement, clientId: string): Promise<void> {
    const client = this.clients.get(clientId)!;
    const release = await this.turn();
    let trainer: LocalTrainer | undefined;
    let weights: EncodedModel | undefined;
    try {
      const { spec, model } = await this.runModel(run);
      weights = run.modelFor(a.round, clientId);
      weights.activeStreams++; // read in place, like a FetchModel stream: the run may not recycle its buffer meanwhile
      const seed = deriveSeed(this.o.seed, client.id);
      trainer = runTrainer(this.o.tf, model, spec, client.site, seed);
      const specs = specsFromWire(weights.header.tensors) as TensorSpec[];
      const global = { specs, values: modelValues(weights.header, weights.bytes, totalElements(specs)) };
      if (a.evaluateClientIds.includes(clientId)) this.evaluate(run, evaluationReport(trainer, a, clientId, global));
      const site = {
        reportDir: this.o.reportDir && join(this.o.reportDir, client.id),
        wrongLabels: client.wrongLabels,
      };
      // A slowed client's wait gives the model to the next client (it matters only when clients play concurrently).
      const fit = await trainLocalRound(trainer, a, global, site, this.slowdownOf(client.id, release));
      trainer.dispose();
      trainer = undefined;
      release();
      this.submit(run, a, clientId, fit, global);
    } finally {
      release();
      if (weights) weights.activeStreams--;
      trainer?.dispose();
    }
  }

  /** Encodes a client's trained weights as the daemon does and hands them to the run's intake (SubmitUpdate). */
  private submit(
    run: RunController,
    a: RoundAnnouncement,
    clientId: string,
    fit: LocalFitResult,
    global: ModelWeights,
  ): void {
    const encoded = this.encoderOf(clientId).encode(a, fit.weights, global);
    const bytes = encoded.payload;
    const header: UpdateHeader = {
      runId: a.runId,
      round: a.round,
      clientId,
      numExamples: fit.numExamples,
      metrics: fit.metrics,
      tensors: specsToWire(fit.weights.specs),
      attempt: a.attempt,
      totalBytes: bytes.byteLength,
      sha256: '', // nothing travels: no digest to check
      codec: encoded.codec,
    };
    const receiver = run.receiveUpdate(header);
    const buffer = receiver.buffer();
    buffer.set(bytes);
    receiver.received(bytes.byteLength);
    receiver.complete(buffer, header.sha256);
    encoded.delivered();
  }

  /** How a virtual client is slowed (`--slow-clients`), its wait starting with `beforeWait`; undefined at full speed. */
  private slowdownOf(id: string, beforeWait: () => void): Slowdown | undefined {
    const factor = this.o.slowClients?.get(id);
    if (factor === undefined) return undefined;
    const wait = this.o.sleep ?? ((ms: number) => sleep(ms));
    return {
      factor,
      now: () => this.o.clock.now(),
      sleep: (ms) => {
        beforeWait();
        return wait(ms);
      },
    };
  }

  /** The client's update encoder (its top-k error feedback lives as long as the simulation). */
  private encoderOf(clientId: string): UpdateEncoder {
    let encoder = this.encoders.get(clientId);
    if (!encoder) this.encoders.set(clientId, (encoder = new UpdateEncoder()));
    return encoder;
  }

  /** Reports a client's evaluation of the global model; a refused one is logged, as the daemon does, not fatal. */
  private evaluate(run: RunController, report: EvaluationReport): void {
    try {
      run.reportEvaluation(report);
    } catch (err) {
      this.o.logger.debug({ client: report.clientId, err: (err as Error).message }, 'evaluation report refused');
    }
  }
}
