import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import { ChunkAssembler, ChunkDigest } from '../../shared/codec/index.js';
import { FedsiftError, InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';
import { toServiceError } from '../../shared/grpc-errors/index.js';
import type { UpdateAck, UpdateChunk, UpdateHeader } from '../../shared/proto/index.js';
import { rejectionReason } from '../metrics/index.js';
import type { UpdateReceiver } from '../rounds/index.js';
import type { ClientRuns } from './client-runs.js';
import { checkCaller, type CallerChecks } from './handlers.js';
import type { UploadGate } from './upload-gate.js';

/** What the gRPC layer counts. `reason` is a stable snake_case label. */
export interface TransportMetrics {
  /** An accepted Join (a re-join counts again). */
  onJoin(): void;
  updateRejected(run: string, reason: string): void;
  /** Update bytes as received; `codec`: the update's codec as the run names it (`int8`, `topk:0.05+int8`…). */
  bytesReceivedFrom(run: string, codec: string, bytes: number): void;
  /** Global-model bytes as sent by FetchModel; `codec`: the run's downloadCodec. */
  bytesSentTo(run: string, codec: string, bytes: number): void;
  /** A Join for a site with a live daemon: refused, or a takeover that cut that daemon off. */
  siteJoinConflict(outcome: 'refused' | 'takeover'): void;
}

/** What an upload needs of the coordinator: the caller checks (enrolment tokens, certificates, sessions) and more. */
export interface UploadDeps extends CallerChecks {
  /** The runs clients' calls reach. */
  manager: ClientRuns;
  /** Byte and rejection counters (Prometheus). */
  metrics?: TransportMetrics;
  /** Bounds the memory of updates received at once; uploads beyond it wait with their stream paused. */
  uploads: UploadGate;
}

/**
 * One SubmitUpdate call: header → run and round checks → a turn at the upload memory (UploadGate; the stream is
 * paused while it waits) → chunks into a buffer preallocated to the model's size, hashed and values checked as they
 * arrive → the trailing digest when the header declared none → hash check and fold on end. Answers exactly once. A
 * malformed update fails this client for the round (counted there) and gets INVALID_ARGUMENT; the round goes on. A
 * stream that breaks off fails nothing at once: the client may send the update again, on a new connection, until the
 * attempt's deadline. A re-send of an accepted update is acknowledged at its header, or, when its digest comes last,
 * read (hashed, not kept) and compared at its end.
 */
export class UpdateUpload {
  private receiver: UpdateReceiver | undefined;
  private assembler: ChunkAssembler | ChunkDigest | undefined;
  private header: UpdateHeader | undefined;
  /** The trailing digest (lowercase hex), once it arrived after the data of a header whose sha256 was "". */
  private trailer: string | undefined;
  private settled = false;
  /** Gives back this upload's turn at the upload memory (set once it asked for one). */
  private leaveGate: (() => void) | undefined;
  /** Stops the refusal at the round's close (set once the upload is under way). */
  private stopWatchingRound: (() => void) | undefined;

  constructor(
    private readonly deps: UploadDeps,
    private readonly call: ServerReadableStream<UpdateChunk, UpdateAck>,
    private readonly cb: sendUnaryData<UpdateAck>,
    private readonly unexpected: (err: unknown) => void,
  ) {}

  listen(): void {
    this.call.on('data', (msg: UpdateChunk) => void this.guard(() => this.onMessage(msg)));
    this.call.on('end', () => void this.guard(() => this.onEnd()));
    // A broken stream may be a dropped connection, after which the client sends the update again: not a failure yet.
    const broke = (why: string) => {
      if (!this.settled) {
        this.receiver?.interrupted(`update stream ${why}`);
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
      checkCaller(this.deps, this.call, h.clientId);
      this.receiver = this.deps.manager.get(h.runId).receiveUpdate(h);
      if (this.receiver.alreadyAccepted && h.sha256) this.answer(null, ALREADY_ACCEPTED);
      else if (this.receiver.alreadyAccepted)
        this.assembler = new ChunkDigest(h.totalBytes); // needs no memory
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
    if (this.trailer !== undefined) throw new InvalidUpdateError('a message after the trailing digest');
    if (msg.sha256 !== undefined) return void (this.trailer = trailingDigest(msg.sha256, this.header));
    const data = msg.data ?? new Uint8Array(0);
    this.deps.metrics?.bytesReceivedFrom(this.header.runId, this.receiver!.codec, data.byteLength);
    const assembler = this.assembler!;
    assembler.push(data);
    if (assembler instanceof ChunkAssembler) this.receiver!.received(assembler.receivedBytes);
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
    const sha256 = this.header!.sha256 || this.trailer;
    if (!sha256)
      throw new InvalidUpdateError('the update ended without its trailing digest (its header declared none)');
    const bytes = await this.assembler.finish(sha256);
    if (this.settled) return; // the call broke while the hash was computed
    // A daemon cut off while its update arrived (another took its site over) no longer speaks for the site.
    checkCaller(this.deps, this.call, this.header!.clientId);
    const counted = this.receiver.complete(bytes, sha256);
    this.answer(null, counted ? 'update accepted' : ALREADY_ACCEPTED);
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

const ALREADY_ACCEPTED = 'update already accepted (idempotent re-send)';

/**
 * The trailing digest a message carries, lowercase.
 * @throws {InvalidUpdateError} when the update's header declared a digest already, or it is not 64 hex digits.
 */
function trailingDigest(sha256: string, header: UpdateHeader): string {
  if (header.sha256) throw new InvalidUpdateError('a trailing digest after a header that declared one');
  if (!/^[0-9a-f]{64}$/i.test(sha256)) throw new InvalidUpdateError('the trailing digest must be 64 hex digits');
  return sha256.toLowerCase();
}
