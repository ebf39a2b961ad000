import { finished } from 'node:stream/promises';
import type {
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ChunkAssembler, chunkBytes, MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { FedsiftError, InvalidRequestError, InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import { rejectionReason } from '../metrics/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type {
  EvaluationAck,
  EvaluationReport,
  FetchModelRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinRequest,
  JoinResponse,
  ModelChunk,
  RoundAnnouncement,
  UpdateAck,
  UpdateChunk,
  UpdateHeader,
  WatchRoundsRequest,
} from '../../shared/proto/index.js';
import type { StreamBroadcaster } from '../broadcast/index.js';
import type { AccessControl } from '../auth/index.js';
import { ClientRegistry } from '../clients/index.js';
import type { Clock, RunManager, UpdateReceiver } from '../rounds/index.js';
import { failStream, unaryHandler } from './handlers.js';
import { writeWithBackpressure, type WriteStats } from '../../shared/streams/index.js';
import type { UploadGate } from './upload-gate.js';

/** What the Coordinator service needs. */
export interface CoordinatorServiceDeps {
  coordinatorId: string;
  manager: RunManager;
  clients: ClientRegistry;
  streamBroadcaster: StreamBroadcaster;
  clock: Clock;
  logger: Logger;
  heartbeatIntervalMs: number;
  /** Enrolment tokens and the Join rate limit. */
  access: AccessControl;
  /** Called after every FetchModel stream with its backpressure counts (tests, metrics). */
  onModelStreamed?: (stats: WriteStats) => void;
  /** Byte and rejection counters (Prometheus). */
  metrics?: TransportMetrics;
  /** Bounds the memory of updates received at once; uploads beyond it wait with their stream paused. */
  uploads: UploadGate;
}

/** What the gRPC layer counts. `reason` is a stable snake_case label. */
export interface TransportMetrics {
  updateRejected(run: string, reason: string): void;
  bytesReceivedFrom(run: string, bytes: number): void;
  bytesSentTo(run: string, bytes: number): void;
}

/**
 * Handlers of `fedsift.v1.Coordinator`. Translation only: proto ⇄ run controller. No client input can throw out of a
 * handler: every failure becomes a gRPC status (toServiceError), unexpected ones INTERNAL with the stack logged.
 */
export function coordinatorService(deps: CoordinatorServiceDeps): UntypedServiceImplementation {
  const { manager, clients, clock, logger, access } = deps;
  const unexpected = (err: unknown) => logger.error({ err }, 'unexpected error in Coordinator handler');
  const unary = <Req, Res>(fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Res) => unaryHandler(fn, unexpected);

  return {
    Join: unary<JoinRequest, JoinResponse>((req, call) => {
      checkJoin(req);
      access.checkJoin(req.siteId, req.token, call.getPeer(), clock.now(), call);
      const id = ClientRegistry.clientIdFor(req.siteId);
      const previousPeer = clients.isLive(id, clock.now()) ? clients.get(id).peer : undefined;
      if (previousPeer !== undefined && previousPeer !== call.getPeer()) {
        // The same connection joining again is the daemon itself (e.g. after a coordinator restart); another one is not.
        logger.warn(
          { site: req.siteId, previousPeer, peer: call.getPeer() },
          'site joined again from another connection while its previous one is live: restarted daemon, or the same site id used twice?',
        );
      }
      const rec = clients.join(req.siteId, req.capabilities!, clock.now(), call.getPeer());
      logger.info({ client: rec.clientId, site: req.siteId, capabilities: req.capabilities }, 'client joined');
      return {
        clientId: rec.clientId,
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
        maxChunkBytes: MAX_CHUNK_BYTES,
        coordinatorId: deps.coordinatorId,
      };
    }),

    Heartbeat: unary<HeartbeatRequest, HeartbeatResponse>((req, call) => {
      access.checkClient(call, req.clientId);
      clients.heartbeat(req.clientId, clock.now());
      return { serverUnixMs: clock.now() };
    }),

    WatchRounds(call: ServerWritableStream<WatchRoundsRequest, RoundAnnouncement>) {
      try {
        access.checkClient(call, call.request.clientId);
        clients.get(call.request.clientId);
      } catch (err) {
        return failStream(call, err, unexpected);
      }
      const unsubscribe = deps.streamBroadcaster.subscribe((a) => call.write(a));
      const done = () => unsubscribe();
      call.on('cancelled', done);
      call.on('close', done);
      call.on('error', done);
    },

    FetchModel(call: ServerWritableStream<FetchModelRequest, ModelChunk>) {
      const { runId, round, clientId } = call.request;
      void (async () => {
        try {
          access.checkClient(call, clientId);
          const model = manager.get(runId).modelFor(round, clientId);
          const metrics = deps.metrics;
          const messages = (function* (): Generator<ModelChunk> {
            yield { header: model.header };
            for (const data of chunkBytes(model.bytes, MAX_CHUNK_BYTES)) {
              metrics?.bytesSentTo(runId, data.byteLength);
              yield { data };
            }
          })();
          // Messages queued in the stream are views of model.bytes until grpc-js serialises them one by one: the
          // model counts as read until the stream has flushed (finish) or died (close, error).
          model.activeStreams++;
          try {
            const stats = await writeWithBackpressure(call, messages);
            deps.onModelStreamed?.(stats);
            call.end();
            await finished(call as unknown as NodeJS.WritableStream).catch(() => undefined); // a grpc-js Writable
          } finally {
            model.activeStreams--;
          }
        } catch (err) {
          failStream(call, err, unexpected);
        }
      })();
    },

    SubmitUpdate(call: ServerReadableStream<UpdateChunk, UpdateAck>, cb: sendUnaryData<UpdateAck>) {
      new UpdateUpload(deps, call, cb, unexpected).listen();
    },

    ReportEvaluation: unary<EvaluationReport, EvaluationAck>((req, call) => {
      access.checkClient(call, req.clientId);
      checkEvaluation(req, clients.get(req.clientId).capabilities.numExamples);
      manager.get(req.runId).reportEvaluation(req);
      return { accepted: true };
    }),
  };
}

/** Longest accepted site id (characters). */
const MAX_SITE_ID_LENGTH = 200;

/** @throws {InvalidRequestError} for a missing or over-long site id or missing/invalid capabilities. */
function checkJoin(req: JoinRequest): void {
  if (!req.siteId || req.siteId.length > MAX_SITE_ID_LENGTH) {
    throw new InvalidRequestError(
      `Join: site_id must have 1 to ${MAX_SITE_ID_LENGTH} characters, got ${req.siteId.length}`,
      { field: 'site_id' },
    );
  }
  const caps = req.capabilities;
  if (!caps || !Number.isSafeInteger(caps.numExamples) || caps.numExamples < 0) {
    throw new InvalidRequestError('Join: capabilities.num_examples must be a non-negative integer', {
      field: 'capabilities',
    });
  }
}

/** @throws {InvalidRequestError} for non-finite or out-of-range evaluation values. */
function checkEvaluation(r: EvaluationReport, declaredExamples: number): void {
  const bad = (why: string) =>
    new InvalidRequestError(`ReportEvaluation: ${why}`, { clientId: r.clientId, round: r.round });
  if (!(Number.isFinite(r.loss) && r.loss >= 0)) throw bad(`loss must be a finite number ≥ 0, got ${r.loss}`);
  if (!(r.numExamples > 0 && r.numExamples <= declaredExamples))
    throw bad(`num_examples must be in [1, ${declaredExamples}], got ${r.numExamples}`);
  for (const [k, v] of Object.entries(r.metrics)) if (!Number.isFinite(v)) throw bad(`metric ${k} is not finite`);
  const acc = r.metrics.accuracy;
  if (acc !== undefined && !(acc >= 0 && acc <= 1)) throw bad(`accuracy must be in [0, 1], got ${acc}`);
}

/**
 * One SubmitUpdate call: header → run and round checks → a turn at the upload memory (UploadGate; the stream is
 * paused while it waits) → chunks into a buffer preallocated to the model's size, values checked as they arrive →
 * hash check and fold on end. Answers exactly once. A malformed update fails this client for the round (counted
 * there) and gets INVALID_ARGUMENT; the round goes on.
 */
class UpdateUpload {
  private receiver: UpdateReceiver | undefined;
  private assembler: ChunkAssembler | undefined;
  private header: UpdateHeader | undefined;
  private settled = false;
  /** Gives back this upload's turn at the upload memory (set once it asked for one). */
  private leaveGate: (() => void) | undefined;
  /** Stops the refusal at the round's close (set once the upload is under way). */
  private stopWatchingRound: (() => void) | undefined;

  constructor(
    private readonly deps: CoordinatorServiceDeps,
    private readonly call: ServerReadableStream<UpdateChunk, UpdateAck>,
    private readonly cb: sendUnaryData<UpdateAck>,
    private readonly unexpected: (err: unknown) => void,
  ) {}

  listen(): void {
    this.call.on('data', (msg: UpdateChunk) => void this.guard(() => this.onMessage(msg)));
    this.call.on('end', () => void this.guard(() => this.onEnd()));
    const broke = (why: string) => {
      if (!this.settled) {
        this.receiver?.fail(`update stream ${why}`);
        this.deps.metrics?.updateRejected(this.header?.runId ?? 'unknown', 'stream_failed');
      }
      this.settled = true;
      this.release();
    };
    this.call.on('error', (err: Error) => broke(`failed: ${err.message}`));
    this.call.on('cancelled', () => broke('cancelled by the client'));
  }

  private onMessage(msg: UpdateChunk): void {
    if (this.settled) return;
    if (!this.header) {
      const h = msg.header;
      if (!h) throw new InvalidUpdateError('the first SubmitUpdate message must be an UpdateHeader');
      this.header = h;
      this.deps.access.checkClient(this.call, h.clientId);
      this.receiver = this.deps.manager.get(h.runId).beginUpdate(h);
      if (this.receiver.alreadyAccepted) this.answer(null, 'update already accepted (idempotent re-send)');
      else {
        this.stopWatchingRound = this.receiver.onRoundClosed((err) => {
          try {
            this.reject(err);
          } catch (e) {
            this.unexpected(e);
          }
        });
        this.waitForMemory(this.receiver);
      }
      return;
    }
    if (msg.header) throw new InvalidUpdateError('a second UpdateHeader arrived in the same stream');
    const data = msg.data ?? new Uint8Array(0);
    this.deps.metrics?.bytesReceivedFrom(this.header.runId, data.byteLength);
    this.assembler!.push(data);
    this.receiver!.received(this.assembler!.receivedBytes);
  }

  /** Reads no chunk until the upload memory has room for this update, then assembles into a round buffer. */
  private waitForMemory(receiver: UpdateReceiver): void {
    this.call.pause();
    this.leaveGate = this.deps.uploads.enter(receiver.expectedBytes, () => {
      if (this.settled) return;
      void this.guard(() => {
        this.assembler = new ChunkAssembler(receiver.expectedBytes, receiver.buffer()); // may throw when memory is short
        this.call.resume();
      });
    });
  }

  /** The upload is over (answered or broken): stops hashing and watching the round, gives its memory to the next one. */
  private release(): void {
    this.assembler?.abandon();
    this.stopWatchingRound?.();
    this.stopWatchingRound = undefined;
    this.leaveGate?.();
    this.leaveGate = undefined;
  }

  private async onEnd(): Promise<void> {
    if (this.settled) return;
    if (!this.receiver || !this.assembler) throw new InvalidUpdateError('SubmitUpdate stream ended before its header');
    const bytes = await this.assembler.finish(this.header!.sha256);
    if (this.settled) return; // the call broke while the hash was computed
    this.receiver.complete(bytes);
    this.answer(null, 'update accepted');
  }

  /** Runs a step of the upload; a failure fails the client for the round and answers the call with its status. */
  private async guard(step: () => void | Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.reject(err);
    }
  }

  /** Refuses the update (unless already answered): a malformed one fails the client for the round; counts the reason. */
  private reject(err: unknown): void {
    if (this.settled) return;
    if (err instanceof InvalidUpdateError || err instanceof UpdateNormError) this.receiver?.fail(err.message);
    this.deps.metrics?.updateRejected(
      this.header?.runId ?? 'unknown',
      rejectionReason(err instanceof FedsiftError ? err.code : undefined),
    );
    this.answer(err);
  }

  private answer(err: unknown, message = ''): void {
    if (this.settled) return;
    this.settled = true;
    if (err) this.cb(toServiceError(err, this.unexpected));
    else this.cb(null, { accepted: true, currentRound: this.header!.round, message });
    this.release();
  }
}
