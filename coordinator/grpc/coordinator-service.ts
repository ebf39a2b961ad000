import type { sendUnaryData, ServerReadableStream, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { ChunkAssembler, chunkBytes, MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { InvalidUpdateError, toServiceError } from '../../shared/errors/index.js';
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
import type { ClientRegistry } from '../clients/index.js';
import type { Clock, RunManager, UpdateReceiver } from '../rounds/index.js';
import { failStream, unaryHandler } from './handlers.js';
import { writeWithBackpressure, type WriteStats } from './write-stream.js';

/** What the Coordinator service needs. */
export interface CoordinatorServiceDeps {
  manager: RunManager;
  clients: ClientRegistry;
  streamBroadcaster: StreamBroadcaster;
  clock: Clock;
  logger: Logger;
  heartbeatIntervalMs: number;
  /** Called after every FetchModel stream with its backpressure counts (tests, metrics). */
  onModelStreamed?: (stats: WriteStats) => void;
}

/**
 * Handlers of `fedsift.v1.Coordinator`. Translation only: proto ⇄ run controller. No client input can throw out of a
 * handler: every failure becomes a gRPC status (toServiceError), unexpected ones INTERNAL with the stack logged.
 */
export function coordinatorService(deps: CoordinatorServiceDeps): UntypedServiceImplementation {
  const { manager, clients, clock, logger } = deps;
  const unexpected = (err: unknown) => logger.error({ err }, 'unexpected error in Coordinator handler');
  const unary = <Req, Res>(fn: (req: Req) => Res) => unaryHandler(fn, unexpected);

  return {
    Join: unary<JoinRequest, JoinResponse>((req) => {
      if (!req.siteId) throw new InvalidUpdateError('Join: site_id is required', { field: 'site_id' });
      const rec = clients.join(req.siteId, req.capabilities ?? { numExamples: 0, backend: '', models: [] }, clock.now());
      logger.info({ client: rec.clientId, site: req.siteId, capabilities: req.capabilities }, 'client joined');
      return { clientId: rec.clientId, heartbeatIntervalMs: deps.heartbeatIntervalMs, maxChunkBytes: MAX_CHUNK_BYTES };
    }),

    Heartbeat: unary<HeartbeatRequest, HeartbeatResponse>((req) => {
      clients.heartbeat(req.clientId, clock.now());
      return { serverUnixMs: clock.now() };
    }),

    WatchRounds(call: ServerWritableStream<WatchRoundsRequest, RoundAnnouncement>) {
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
          const model = manager.get(runId).modelFor(round, clientId);
          const messages = (function* (): Generator<ModelChunk> {
            yield { header: model.header };
            for (const data of chunkBytes(model.bytes, MAX_CHUNK_BYTES)) yield { data };
          })();
          const stats = await writeWithBackpressure(call, messages);
          deps.onModelStreamed?.(stats);
          call.end();
        } catch (err) {
          failStream(call, err, unexpected);
        }
      })();
    },

    SubmitUpdate(call: ServerReadableStream<UpdateChunk, UpdateAck>, cb: sendUnaryData<UpdateAck>) {
      new UpdateUpload(deps, call, cb, unexpected).listen();
    },

    ReportEvaluation: unary<EvaluationReport, EvaluationAck>((req) => {
      manager.get(req.runId).reportEvaluation(req);
      return { accepted: true };
    }),
  };
}

/**
 * One SubmitUpdate call: header → run and round checks → chunks into a buffer preallocated to the model's size →
 * hash check and fold on end. Answers exactly once. A malformed update fails this client for the round (counted
 * there) and gets INVALID_ARGUMENT; the round goes on.
 */
class UpdateUpload {
  private receiver: UpdateReceiver | undefined;
  private assembler: ChunkAssembler | undefined;
  private header: UpdateHeader | undefined;
  private settled = false;

  constructor(
    private readonly deps: CoordinatorServiceDeps,
    private readonly call: ServerReadableStream<UpdateChunk, UpdateAck>,
    private readonly cb: sendUnaryData<UpdateAck>,
    private readonly unexpected: (err: unknown) => void,
  ) {}

  listen(): void {
    this.call.on('data', (msg: UpdateChunk) => this.guard(() => this.onMessage(msg)));
    this.call.on('end', () => this.guard(() => this.onEnd()));
    const broke = (why: string) => {
      if (!this.settled) this.receiver?.fail(`update stream ${why}`);
      this.settled = true;
    };
    this.call.on('error', (err: Error) => broke(`failed: ${err.message}`));
    this.call.on('cancelled', () => broke('cancelled by the client'));
  }

  private onMessage(msg: UpdateChunk): void {
    if (this.settled) return;
    if (!this.header) {
      const h = msg.header;
      if (!h) throw new InvalidUpdateError('the first SubmitUpdate message must be an UpdateHeader');
      this.receiver = this.deps.manager.get(h.runId).beginUpdate(h);
      this.header = h;
      if (this.receiver.alreadyAccepted) this.answer(null, 'update already accepted (idempotent re-send)');
      else this.assembler = new ChunkAssembler(this.receiver.expectedBytes, this.receiver.buffer());
      return;
    }
    if (msg.header) throw new InvalidUpdateError('a second UpdateHeader arrived in the same stream');
    this.assembler!.push(msg.data ?? new Uint8Array(0));
  }

  private onEnd(): void {
    if (this.settled) return;
    if (!this.receiver || !this.assembler) throw new InvalidUpdateError('SubmitUpdate stream ended before its header');
    this.receiver.complete(this.assembler.finish(this.header!.sha256));
    this.answer(null, 'update accepted');
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof InvalidUpdateError) this.receiver?.fail(err.message);
      this.answer(err);
    }
  }

  private answer(err: unknown, message = ''): void {
    if (this.settled) return;
    this.settled = true;
    if (err) this.cb(toServiceError(err, this.unexpected));
    else this.cb(null, { accepted: true, currentRound: this.header!.round, message });
  }
}
