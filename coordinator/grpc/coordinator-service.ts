import { finished } from 'node:stream/promises';
import type {
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { chunkBytes, MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { PROTOCOL_VERSION, protocolMismatch } from '../../shared/contract/index.js';
import { InvalidRequestError, SiteInUseError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  sessionIdOf,
  type CheckSiteRequest,
  type CheckSiteResponse,
  type EvaluationAck,
  type EvaluationReport,
  type FetchModelRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinRequest,
  type JoinResponse,
  type ModelChunk,
  type RoundAnnouncement,
  type RunSpec,
  type RunSpecRequest,
  type SiteStatistics,
  type StatisticsAck,
  type UpdateAck,
  type UpdateChunk,
  type WatchRoundsRequest,
} from '../../shared/proto/index.js';
import type { StreamBroadcaster } from '../broadcast/index.js';
import type { Clock } from '../rounds/index.js';
import { checkCaller, failStream, unaryHandler } from './handlers.js';
import { writeWithBackpressure, type WriteStats } from '../../shared/streams/index.js';
import { UpdateUpload, type UploadDeps } from './update-upload.js';
import { secureAggregationStream } from './secagg-stream.js';

/** What the Coordinator service needs. */
export interface CoordinatorServiceDeps extends UploadDeps {
  coordinatorId: string;
  /** The federation this coordinator serves, told to every client on Join. */
  federationId: string;
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
  const { manager, clients, clock, logger, access } = deps;
  const unexpected = (err: unknown) => logger.error({ err }, 'unexpected error in Coordinator handler');
  const unary = <Req, Res>(fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Res) => unaryHandler(fn, unexpected);

  /** Registers the Join's session as the site's daemon; a refusal or a takeover of a live daemon is logged and counted. */
  const joinSite = (req: JoinRequest, peer: string) => {
    const { siteId, capabilities, sessionId, takeover } = req;
    const claim = { siteId, capabilities: capabilities!, peer, sessionId: sessionId!, takeover: !!takeover };
    try {
      const { record, tookOverFrom } = clients.join(claim, clock.now());
      if (tookOverFrom) {
        logger.warn(
          { site: req.siteId, peer, previousPeer: tookOverFrom.peer, previousSilentMs: tookOverFrom.silentMs },
          'site taken over: its live daemon is cut off (--takeover)',
        );
        deps.metrics?.siteJoinConflict('takeover');
      }
      return record;
    } catch (err) {
      if (err instanceof SiteInUseError) {
        logger.warn(
          { site: req.siteId, peer, reason: err.message },
          'Join refused: the site already has a live daemon',
        );
        deps.metrics?.siteJoinConflict('refused');
      }
      throw err;
    }
  };

  return {
    Join: unary<JoinRequest, JoinResponse>((req, call) => {
      checkJoin(req);
      access.checkJoin(req.siteId, req.token, call.getPeer(), clock.now(), call);
      // after the token and rate checks: strangers learn nothing
      checkRevision('Join', req.capabilities!.protocolVersion, 'capabilities.protocol_version');
      checkLength('Join', 'session_id', req.sessionId ?? '', MAX_SESSION_ID_LENGTH);
      const rec = joinSite(req, call.getPeer());
      logger.info({ client: rec.clientId, site: req.siteId, capabilities: req.capabilities }, 'client joined');
      deps.metrics?.onJoin();
      return {
        clientId: rec.clientId,
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
        maxChunkBytes: MAX_CHUNK_BYTES,
        coordinatorId: deps.coordinatorId,
        protocolVersion: PROTOCOL_VERSION,
        federationId: deps.federationId,
      };
    }),

    Heartbeat: unary<HeartbeatRequest, HeartbeatResponse>((req, call) => {
      access.checkClient(call, req.clientId);
      clients.heartbeat(req.clientId, sessionIdOf(call.metadata), clock.now());
      return { serverUnixMs: clock.now() };
    }),

    WatchRounds(call: ServerWritableStream<WatchRoundsRequest, RoundAnnouncement>) {
      try {
        checkCaller(deps, call, call.request.clientId);
      } catch (err) {
        return failStream(call, err, unexpected);
      }
      const unsubscribe = deps.streamBroadcaster.subscribe((a) => call.write(a), call.request.clientId);
      const done = () => unsubscribe();
      call.on('cancelled', done);
      call.on('close', done);
      call.on('error', done);
    },

    FetchModel(call: ServerWritableStream<FetchModelRequest, ModelChunk>) {
      const { runId, round, clientId } = call.request;
      void (async () => {
        try {
          checkCaller(deps, call, clientId);
          const model = manager.get(runId).modelFor(round, clientId);
          const metrics = deps.metrics;
          const messages = (function* (): Generator<ModelChunk> {
            yield { header: model.header };
            for (const data of chunkBytes(model.bytes, MAX_CHUNK_BYTES)) {
              metrics?.bytesSentTo(runId, model.header.codec || 'none', data.byteLength);
              model.bytesSent += data.byteLength;
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

    SecureAggregation: secureAggregationStream(deps, unexpected),

    ReportEvaluation: unary<EvaluationReport, EvaluationAck>((req, call) => {
      checkCaller(deps, call, req.clientId);
      manager.get(req.runId).reportEvaluation(req);
      return { accepted: true };
    }),

    FetchRunSpec: unary<RunSpecRequest, RunSpec>((req, call) => {
      checkCaller(deps, call, req.clientId);
      return manager.get(req.runId).runSpec();
    }),

    SubmitStatistics: unary<SiteStatistics, StatisticsAck>((req, call) => {
      checkCaller(deps, call, req.clientId);
      return manager.get(req.runId).submitStatistics(req);
    }),

    CheckSite: unary<CheckSiteRequest, CheckSiteResponse>((req, call) => {
      checkLength('CheckSite', 'site_id', req.siteId, MAX_SITE_ID_LENGTH);
      access.checkJoin(req.siteId, req.token, call.getPeer(), clock.now(), call);
      checkRevision('CheckSite', req.protocolVersion, 'protocol_version'); // as Join: after the token and rate checks
      const runs = manager.siteRuns();
      return { coordinatorId: deps.coordinatorId, protocolVersion: PROTOCOL_VERSION, runs };
    }),
  };
}

/** Longest accepted site id and session id (characters). */
const MAX_SITE_ID_LENGTH = 200;
const MAX_SESSION_ID_LENGTH = 100;

/**
 * @param rpc the call, named in the message; `field` the request field checked.
 * @throws {InvalidRequestError} when `value` is empty or longer than `max` characters.
 */
function checkLength(rpc: string, field: string, value: string, max: number): void {
  if (!value || value.length > max) {
    throw new InvalidRequestError(`${rpc}: ${field} must have 1 to ${max} characters, got ${value.length}`, { field });
  }
}

/** @throws {InvalidRequestError} for a missing or over-long site id, or missing or invalid capabilities. */
function checkJoin(req: JoinRequest): void {
  checkLength('Join', 'site_id', req.siteId, MAX_SITE_ID_LENGTH);
  const caps = req.capabilities;
  if (!caps || !Number.isSafeInteger(caps.numExamples) || caps.numExamples < 0) {
    throw new InvalidRequestError('Join: capabilities.num_examples must be a non-negative integer', {
      field: 'capabilities',
    });
  }
  if (!/^([0-9a-f]{64})?$/.test(caps.schemaSha256)) {
    throw new InvalidRequestError('Join: capabilities.schema_sha256 must be empty or 64 lowercase hex digits', {
      field: 'capabilities',
    });
  }
}

/**
 * @param field where the request states its revision, for the error.
 * @throws {InvalidRequestError} when the client speaks another protocol revision than this build.
 */
function checkRevision(rpc: string, protocolVersion: number | undefined, field: string): void {
  const mismatch = protocolMismatch('the client', protocolVersion);
  if (mismatch) throw new InvalidRequestError(`${rpc}: ${mismatch}`, { field });
}
