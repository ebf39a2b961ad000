import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  clientStageFromWire,
  serverStageToWire,
  type SecAggClientMessage,
  type SecAggServerMessage,
  type SecAggServerStage,
} from '../../shared/proto/index.js';
import {
  maskedVectorFromBytes,
  type SecAggResult,
  type SecAggServer,
  type UnmaskRequest,
  type MaskedInputRequest,
  type ShareKeysRequest,
} from '../../shared/secagg/index.js';
import type { SecAggChannel } from '../../client-node/secagg/index.js';

/** A gRPC status as grpc-js reports it on a call (isServiceError holds for it). */
export function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

/**
 * One site's end of an in-process SecAgg+ stream: coordinator messages queue until read; the stream ends with OK or an
 * error status as the relay decides; the site's writes go to the relay.
 */
export class RelayChannel implements SecAggChannel {
  private readonly queue: SecAggServerMessage[] = [];
  private readonly readers: ((r: IteratorResult<SecAggServerMessage>) => void)[] = [];
  private readonly failers: ((err: ServiceError) => void)[] = [];
  private end_: { error?: ServiceError } | undefined;
  cancelled = false;

  constructor(
    private readonly onWrite: (m: SecAggClientMessage) => void,
    private readonly onCancel: () => void,
  ) {}

  write(m: SecAggClientMessage): boolean {
    if (!this.end_) this.onWrite(m);
    return true;
  }
  end(): void {}
  cancel(): void {
    if (this.end_) return;
    this.cancelled = true;
    this.close({ error: serviceError(status.CANCELLED, 'Cancelled on client') });
    this.onCancel();
  }
  push(m: SecAggServerMessage): void {
    if (this.end_) return;
    const reader = this.readers.shift();
    this.failers.shift();
    if (reader) reader({ value: m, done: false });
    else this.queue.push(m);
  }
  close(end: { error?: ServiceError }): void {
    if (this.end_) return;
    this.end_ = end;
    for (const [i, reader] of this.readers.entries())
      if (end.error) this.failers[i]!(end.error);
      else reader({ value: undefined, done: true });
    this.readers.length = this.failers.length = 0;
  }
  [Symbol.asyncIterator](): AsyncIterator<SecAggServerMessage> {
    return {
      next: () => {
        const m = this.queue.shift();
        if (m) return Promise.resolve({ value: m, done: false });
        if (this.end_)
          return this.end_.error ? Promise.reject(this.end_.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.readers.push(resolve);
          this.failers.push(reject);
        });
      },
    };
  }
}

type Stage = 'keys' | 'shares' | 'masked' | 'unmask' | 'done';

/**
 * An in-process coordinator for one SecAgg+ attempt around the real SecAggServer, speaking the wire messages (through
 * shared/proto's conversions) on one RelayChannel per site: each stage closes once every site still in it answered
 * or left, the next stage's messages go out, `done` ends the streams with OK; a message the server refuses ends its
 * sender's stream with INVALID_ARGUMENT, a failed stage every stream with ABORTED — as the proto's contract says.
 */
export class SecAggRelay {
  private stage: Stage = 'keys';
  private readonly channels = new Map<string, RelayChannel>();
  private readonly waiting: Set<string>;
  /** Sites out of the attempt: left (cancelled) or refused. */
  private readonly out = new Set<string>();
  private resolveResult!: (r: SecAggResult | Error) => void;
  /** The unmasked result, or the error that failed the attempt. */
  readonly result = new Promise<SecAggResult | Error>((resolve) => (this.resolveResult = resolve));

  /**
   * @param tamper rewrites a coordinator message to one site before it is sent (a faulty or curious coordinator).
   */
  constructor(
    private readonly server: SecAggServer,
    private readonly tamper: (to: string, m: SecAggServerMessage) => SecAggServerMessage = (_, m) => m,
  ) {
    this.waiting = new Set(server.graph.keys());
  }

  /** The stream of site `clientId`. */
  channel(clientId: string): RelayChannel {
    const ch = new RelayChannel(
      (m) => this.receive(clientId, m),
      () => this.leave(clientId),
    );
    this.channels.set(clientId, ch);
    return ch;
  }

  /** Stage 3 (SubmitUpdate): a site's masked vector. @returns whether the attempt took it. */
  upload(clientId: string, bytes: Uint8Array): boolean {
    if (this.stage !== 'masked' || !this.waiting.has(clientId)) return false;
    const round = this.server.ref.round;
    return this.take(clientId, () =>
      this.server.receiveMaskedInput({ clientId, round, masked: maskedVectorFromBytes(bytes) }),
    );
  }

  /** Ends site `clientId`'s stream with OK before `done` (a coordinator out of step); the site is out of the attempt. */
  endStream(clientId: string): void {
    this.channels.get(clientId)?.close({});
    this.leave(clientId);
  }

  /** Closes the current stage now, whoever has not answered yet, as the coordinator does at the stage's deadline. */
  expire(): void {
    this.waiting.clear();
    void this.closeStageWhenAnswered();
  }

  private receive(clientId: string, m: SecAggClientMessage): void {
    const s = clientStageFromWire(clientId, m);
    this.take(clientId, () => {
      if (s?.stage === 'keys') this.server.receiveKeys(s.message);
      else if (s?.stage === 'shares') this.server.receiveShares(s.message);
      else if (s?.stage === 'unmask') this.server.receiveUnmask(s.message);
      else throw new Error('a message with no stage');
    });
  }

  /** Hands one message to the server; a refusal puts its sender out of the attempt with INVALID_ARGUMENT. */
  private take(clientId: string, give: () => void): boolean {
    try {
      give();
    } catch (err) {
      this.channels.get(clientId)?.close({ error: serviceError(status.INVALID_ARGUMENT, (err as Error).message) });
      this.leave(clientId);
      return false;
    }
    this.waiting.delete(clientId);
    void this.closeStageWhenAnswered();
    return true;
  }

  private leave(clientId: string): void {
    this.out.add(clientId);
    this.waiting.delete(clientId);
    void this.closeStageWhenAnswered();
  }

  private async closeStageWhenAnswered(): Promise<void> {
    if (this.waiting.size > 0 || this.stage === 'done') return;
    const stage = this.stage;
    try {
      if (stage === 'keys') this.send('shares', 'shareKeys', this.server.closeKeys());
      else if (stage === 'shares') this.send('masked', 'maskedInput', this.server.closeShares());
      else if (stage === 'masked') this.send('unmask', 'unmask', this.server.closeMaskedInputs());
      else {
        this.stage = 'done';
        const result = await this.server.finish();
        const message = { survivors: result.survivors.length, dropped: result.dropped.length };
        for (const id of result.survivors) this.push(id, { stage: 'done', message });
        for (const ch of this.channels.values()) ch.close({});
        this.resolveResult(result);
      }
    } catch (err) {
      this.stage = 'done';
      for (const ch of this.channels.values())
        ch.close({ error: serviceError(status.ABORTED, (err as Error).message) });
      this.resolveResult(err as Error);
    }
  }

  private send<S extends 'shareKeys' | 'maskedInput' | 'unmask'>(
    next: Stage,
    stage: S,
    requests: ReadonlyMap<string, ShareKeysRequest | MaskedInputRequest | UnmaskRequest>,
  ): void {
    this.stage = next;
    for (const id of requests.keys()) if (!this.out.has(id)) this.waiting.add(id);
    for (const [id, message] of requests) this.push(id, { stage, message } as SecAggServerStage);
    void this.closeStageWhenAnswered(); // every site left already
  }

  private push(id: string, s: SecAggServerStage): void {
    this.channels.get(id)?.push(this.tamper(id, serverStageToWire(s)));
  }
}
