import { setImmediate } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { FedsiftError } from '../../shared/errors/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { SecAggClientMessage, SecAggServerMessage } from '../../shared/proto/index.js';
import type { SecAggSession } from './session.js';

/**
 * The stream of one SecAgg+ session, as the session uses it: the SecureAggregation call (a grpc-js
 * ClientDuplexStream fits as it is), or an in-process relay in tests. Reading yields the coordinator's messages; it
 * ends when the coordinator ends the stream with OK and throws the stream's error (a ServiceError) otherwise.
 */
export interface SecAggChannel extends AsyncIterable<SecAggServerMessage> {
  /**
   * Sends one message of the site to the coordinator, in order; never called after end() or cancel(). Flow control
   * is left to the stream: the session writes a handful of small messages. @returns nothing the session uses.
   */
  write(message: SecAggClientMessage): unknown;
  /** Half-closes: the site sends nothing more. */
  end(): void;
  /** Leaves the stream at once (reading then fails with CANCELLED). */
  cancel(): void;
}

/** What a session asks of the site besides the stream: its update, and the upload of the masked vector. */
export interface SecAggWork {
  /**
   * Trains for the attempt, once the masked-input request arrived. @returns the values to mask (the delta,
   * vectorLength values, model units) and nₖ, the example count of the site's weight; undefined when the site did not
   * train after all (the session was given up while it waited to).
   * @param gone aborted once the stream moved while the site trains (it ended, or a message came that the site can
   *   no longer answer with an upload): the work can no longer be used, so it is best not started or cut short.
   * @throws whatever fetching the model or training throws (the session leaves and rethrows it).
   */
  train(gone: AbortSignal): Promise<{ update: Float32Array; numExamples: number } | undefined>;
  /**
   * Uploads the masked vector (SubmitUpdate, codec "secagg") to the session's attempt only: a masked vector means
   * nothing to another attempt. @returns false when the attempt no longer takes it.
   * @throws the gRPC error of a refusal (the session leaves and rethrows it).
   */
  upload(masked: Uint8Array): Promise<boolean>;
  /**
   * Called just before the unmask reply is written: from then on the site's update is in the sum unless the attempt
   * fails at the coordinator, so a newer announcement must no longer make the site leave.
   */
  unmasking?(): void;
}

/** How a session ended. */
export type SecAggOutcome =
  /** The coordinator unmasked the sum (`done`): survivors' updates are in it, the dropped ones' masks removed. */
  | { kind: 'done'; survivors: number; dropped: number }
  /** The attempt failed at the coordinator (ABORTED): no update revealed. */
  | { kind: 'aborted'; reason: string }
  /** The coordinator refused a message of this site (INVALID_ARGUMENT): the site is out of the attempt. */
  | { kind: 'refused'; reason: string }
  /**
   * The site left: the coordinator's message broke the protocol (a FedsiftError of the protocol layer), or the
   * attempt no longer took the masked vector.
   */
  | { kind: 'left'; reason: string }
  /** The stream ended otherwise: cancelled (a newer attempt, the daemon closing), lost, or closed before `done`. */
  | { kind: 'ended'; reason: string };

/**
 * Plays one SecAgg+ session over `channel`: advertises the keys, answers each coordinator message in order (shares;
 * on the masked-input request it trains through `work`, building its mask meanwhile, then masks and uploads; the
 * unmask reply) until `done` or the stream's end. When the stream moves while the site trains (it ends; the unmask request or `done` comes before the
 * upload) the site uploads nothing and leaves. The channel is cancelled whenever the session ends before `done`, and
 * half-closed after it.
 * @returns the outcome; a coordinator's message never makes it throw.
 * @throws what `work.train` or `work.upload` throws (after cancelling the channel).
 * @see proto SecAggClientMessage (the stream's contract); Bonawitz et al., CCS 2017, Fig. 4 (User side)
 */
export async function playSecAggSession(
  session: SecAggSession,
  channel: SecAggChannel,
  work: SecAggWork,
): Promise<SecAggOutcome> {
  let finished = false;
  try {
    const messages = channel[Symbol.asyncIterator]();
    const advertised = await protocolStep(() => session.advertise());
    if (!advertised.ok) return advertised.left;
    channel.write(advertised.value);
    let next = readNext(messages);
    for (;;) {
      const read = await next;
      if ('error' in read) return streamEnd(read.error);
      if (read.done) return { kind: 'ended', reason: 'the coordinator closed the stream before the sum was unmasked' };
      const handled = await protocolStep(() => session.handle(read.value));
      if (!handled.ok) return handled.left;
      const step = handled.value;
      if (step.kind === 'done') {
        finished = true;
        channel.end();
        return step;
      }
      next = readNext(messages);
      if (step.kind === 'reply') {
        if (step.message.unmask) work.unmasking?.();
        channel.write(step.message);
      } else {
        const ended = await trainMaskUpload(session, work, next);
        if (ended) return ended;
      }
    }
  } finally {
    if (!finished) channel.cancel();
  }
}

/**
 * Stage 3 at the site: trains, building the mask meanwhile, then masks the update and uploads it. Reads on while
 * training: whatever the stream does before the upload (`next` settles) makes the work useless.
 * @returns how the session ended here, or undefined when it goes on to the unmask stage.
 * @throws what `work.train` or `work.upload` throws, or a mask step.
 */
async function trainMaskUpload(
  session: SecAggSession,
  work: SecAggWork,
  next: Promise<Read>,
): Promise<SecAggOutcome | undefined> {
  const gone = new AbortController();
  let training = true;
  void next.then(() => training && gone.abort());
  const building = buildMask(session, () => training && !gone.signal.aborted);
  building.catch(() => undefined); // observed below unless training throws first
  let trained: Awaited<ReturnType<SecAggWork['train']>>;
  try {
    trained = await work.train(gone.signal);
  } finally {
    training = false;
  }
  await building; // a step that threw would leave the mask half built: the session fails instead
  if (gone.signal.aborted) return movedOn(await next);
  if (!trained) return { kind: 'left', reason: 'the site did not train for the attempt' };
  const masked = await protocolStep(() => session.mask(trained.update, trained.numExamples));
  if (!masked.ok) return masked.left;
  if (!(await work.upload(masked.value)))
    return { kind: 'left', reason: 'the attempt no longer takes the masked vector' };
  return undefined;
}

/**
 * Builds the site's mask while it trains (the mask does not depend on the update): one block per turn of the event
 * loop, so the download and training go on between blocks, while `going` holds; session.mask runs what is left.
 */
async function buildMask(session: SecAggSession, going: () => boolean): Promise<void> {
  const steps = session.maskSteps;
  while (steps && going() && !steps.next().done) await setImmediate();
}

type Read = IteratorResult<SecAggServerMessage> | { error: unknown };

/** The next message, or the stream's error as a value (so a read left pending never rejects unobserved). */
function readNext(messages: AsyncIterator<SecAggServerMessage>): Promise<Read> {
  return messages.next().then(
    (r) => r,
    (error: unknown) => ({ error }),
  );
}

/** The outcome when the stream moved (`read`) while the site trained, before its upload. */
function movedOn(read: Read): SecAggOutcome {
  if ('error' in read) return streamEnd(read.error);
  if (read.done) return { kind: 'ended', reason: 'the coordinator closed the stream while the site trained' };
  return { kind: 'left', reason: 'the coordinator moved past the masked-input stage while the site trained' };
}

/**
 * Runs a step of the protocol layer. A FedsiftError is the coordinator's message breaking the protocol (or an update
 * the protocol cannot carry): the site leaves the attempt with its message as the reason. Anything else is thrown.
 */
async function protocolStep<T>(
  step: () => T | Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; left: SecAggOutcome }> {
  try {
    return { ok: true, value: await step() };
  } catch (err) {
    if (err instanceof FedsiftError) return { ok: false, left: { kind: 'left', reason: err.message } };
    throw err;
  }
}

/** The outcome of a stream that ended with an error status. */
function streamEnd(err: unknown): SecAggOutcome {
  if (!isServiceError(err)) throw err;
  const reason = err.details || err.message;
  if (err.code === status.ABORTED) return { kind: 'aborted', reason };
  if (err.code === status.INVALID_ARGUMENT) return { kind: 'refused', reason };
  return { kind: 'ended', reason: `${status[err.code]}: ${reason}` };
}
