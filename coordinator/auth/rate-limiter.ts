/**
 * Token bucket per key (e.g. a peer address): `burst` calls at once, refilled at `perSecond`. Pure: the caller passes
 * the time, so it is tested without waiting. Memory: one entry per key seen, dropped once its bucket is full again.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  /** @throws {RangeError} unless perSecond > 0 and burst ≥ 1. */
  constructor(private readonly perSecond: number, private readonly burst: number) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs perSecond > 0 and burst ≥ 1, got ${perSecond}, ${burst}`);
  }

  /** Takes one token for `key` at `nowMs`. @returns false when the key is over its rate. */
  take(key: string, nowMs: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.perSecond);
    b.atMs = nowMs;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    this.prune(nowMs);
    return true;
  }

  private prune(nowMs: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [key, b] of this.buckets) if (b.tokens + ((nowMs - b.atMs) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
  }
}
