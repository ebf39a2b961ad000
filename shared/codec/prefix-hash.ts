import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of a buffer that fills front to back, as a model or an update does while its chunks arrive. Over shared
 * memory (a SharedArrayBuffer, see sharedBytes) the hashing runs on a worker thread beside the event loop, which
 * meanwhile receives and copies the next chunks; over ordinary memory it runs in this thread.
 */
export interface PrefixHash {
  /** Bytes [0, upTo) of the buffer are final and may be hashed; upTo never decreases. */
  advance(upTo: number): void;
  /**
   * Hex digest of bytes [0, last upTo); ends the hash.
   * @throws (rejects) when the hashing thread failed, or when the hash already ended (digest or abandon).
   */
  digest(): Promise<string>;
  /** Ends the hash without a digest (the transfer failed) and releases the buffer. Idempotent; later calls do nothing. */
  abandon(): void;
}

/** A zeroed byte buffer in shared memory, so that a PrefixHash over it runs off the event loop. @param bytes length. */
export function sharedBytes(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes));
}

/** A PrefixHash over `buffer`: on the hashing thread when the buffer is shared memory, else in this thread. */
export function prefixHash(buffer: Uint8Array): PrefixHash {
  return buffer.buffer instanceof SharedArrayBuffer ? hashThread().open(buffer) : new InThreadHash(buffer);
}

class InThreadHash implements PrefixHash {
  private readonly hash: Hash = createHash('sha256');
  private hashed = 0;
  private ended = false;

  constructor(private readonly buffer: Uint8Array) {}

  advance(upTo: number): void {
    if (this.ended) return;
    this.hash.update(this.buffer.subarray(this.hashed, upTo));
    this.hashed = upTo;
  }

  digest(): Promise<string> {
    if (this.ended) return Promise.reject(new Error('SHA-256: this hash already ended'));
    this.ended = true;
    return Promise.resolve(this.hash.digest('hex'));
  }

  abandon(): void {
    this.ended = true;
  }
}

/** New bytes the hashing thread is told about at once (fewer messages when a sender uses small chunks). */
const ADVANCE_STEP_BYTES = 256 * 1024;

/** The hashing thread's program: one SHA-256 per open buffer, fed in order by 'advance' messages. */
const HASH_THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const open = new Map();
parentPort.on('message', (m) => {
  const s = open.get(m.id);
  if (m.op !== 'open' && !s) {
    if (m.op === 'digest') parentPort.postMessage({ id: m.id, error: 'no such transfer' });
    return;
  }
  if (m.op === 'open') open.set(m.id, { bytes: m.bytes, hash: createHash('sha256'), hashed: 0 });
  else if (m.op === 'advance') { s.hash.update(s.bytes.subarray(s.hashed, m.upTo)); s.hashed = m.upTo; }
  else if (m.op === 'digest') { open.delete(m.id); parentPort.postMessage({ id: m.id, digest: s.hash.digest('hex') }); }
  else open.delete(m.id);
});
`;

/**
 * The process's hashing thread: started on first use, and holding the process open only while a digest is awaited.
 * Messages to one thread arrive in order, so each buffer is hashed front to back.
 */
class HashThread {
  private readonly worker = new Worker(HASH_THREAD_SOURCE, { eval: true });
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (digest: string) => void; reject: (err: Error) => void }>();
  /** Why the thread is gone; every digest asked of it from then on fails with it. */
  private failure: Error | undefined;

  constructor(onGone: (t: HashThread) => void) {
    this.worker.unref();
    this.worker.on('message', ({ id, digest, error }: { id: number; digest?: string; error?: string }) => {
      const w = this.waiting.get(id);
      if (digest !== undefined) w?.resolve(digest);
      else w?.reject(new Error(`SHA-256 thread: ${error}`));
      this.settle(id);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      onGone(this);
      for (const [id, w] of this.waiting) (w.reject(err), this.settle(id));
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the SHA-256 thread exited (code ${code})`)));
  }

  open(bytes: Uint8Array): PrefixHash {
    const id = this.nextId++;
    this.worker.postMessage({ op: 'open', id, bytes });
    let told = 0,
      upTo = 0,
      ended = false;
    const tell = () => {
      if (upTo > told) this.worker.postMessage({ op: 'advance', id, upTo: (told = upTo) });
    };
    return {
      advance: (n) => {
        if (ended) return;
        upTo = n;
        if (upTo - told >= ADVANCE_STEP_BYTES) tell();
      },
      digest: () => {
        if (ended) return Promise.reject(new Error('SHA-256: this hash already ended'));
        ended = true;
        if (this.failure) return Promise.reject(this.failure);
        tell();
        return new Promise((resolve, reject) => {
          if (this.waiting.size === 0) this.worker.ref();
          this.waiting.set(id, { resolve, reject });
          this.worker.postMessage({ op: 'digest', id });
        });
      },
      abandon: () => {
        if (!ended) this.worker.postMessage({ op: 'abandon', id });
        ended = true;
      },
    };
  }

  private settle(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
  }
}

let thread: HashThread | undefined;

function hashThread(): HashThread {
  return (thread ??= new HashThread((gone) => thread === gone && (thread = undefined)));
}
