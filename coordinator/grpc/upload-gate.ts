/**
 * Bounds the memory of updates being received at once. Each upload assembles into a model-sized buffer until its
 * last chunk is folded, so N concurrent uploads hold N × model bytes; beyond `limitBytes` an upload waits, first come
 * first served, with its stream paused (HTTP/2 flow control then holds the client) until earlier ones finish. One
 * upload always proceeds, however large, so a model bigger than the limit still trains, one update at a time.
 */
export class UploadGate {
  private used = 0;
  private peak = 0;
  private readonly queue: { bytes: number; granted: () => void }[] = [];

  /** @param limitBytes memory for updates being received at once (bytes). @throws {RangeError} unless > 0. */
  constructor(readonly limitBytes: number) {
    if (!(limitBytes > 0)) throw new RangeError(`UploadGate: limitBytes must be > 0, got ${limitBytes}`);
  }

  /** Bytes held by uploads let in and not yet finished. */
  get inUseBytes(): number {
    return this.used;
  }

  /** Most bytes ever held at once. */
  get peakBytes(): number {
    return this.peak;
  }

  /** Uploads waiting for memory. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Asks to receive an upload of `bytes`: `granted` runs on a later microtask when it fits (or nothing else is in),
   * else once enough earlier uploads have left; it must not throw. @returns leave(): call it exactly once when the
   * upload ends, whether it was let in or is still waiting.
   */
  enter(bytes: number, granted: () => void): () => void {
    const entry = { bytes, granted };
    let state: 'waiting' | 'in' | 'left' = 'waiting';
    entry.granted = () => ((state = 'in'), granted());
    this.queue.push(entry);
    queueMicrotask(() => this.admit());
    return () => {
      if (state === 'in') this.used -= bytes;
      else if (state === 'waiting') this.queue.splice(this.queue.indexOf(entry), 1);
      state = 'left';
      this.admit();
    };
  }

  private admit(): void {
    while (this.queue.length && (this.used === 0 || this.used + this.queue[0]!.bytes <= this.limitBytes)) {
      const next = this.queue.shift()!;
      this.used += next.bytes;
      this.peak = Math.max(this.peak, this.used);
      next.granted();
    }
  }
}
