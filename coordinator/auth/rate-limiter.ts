/**
 * Token bucket per key (e.g. a peer address): `burst` calls at once, refilled at `perSecond`. Pure: the caller passes
 * the time, so it is tested without waiting. Memory: one entry per key seen; past 10,000 keys, full buckets are dropped,
 * at most once per refill time (burst / perSecond), so a flood from many addresses does not scan the map per call.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private prunedAtMs = -Infinity;

  /** @throws {RangeError} unless perSecond > 0 and burst ≥ 1. */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1))
      throw new RangeError(`rate limit needs perSecond > 0 and burst ≥ 1, got ${perSecond}, ${burst}`);
  }

  /** Takes one token for `key` at `nowMs`. @returns false when the key is over its rate. */
  take(key: string, nowMs: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.perSecond);
    b.atMs = nowMs;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    this.prune(nowMs);
    return true;
  }

  private prune(nowMs: number): void {
    if (this.buckets.size < 10_000 || nowMs - this.prunedAtMs < (this.burst / this.perSecond) * 1000) return;
    this.prunedAtMs = nowMs;
    for (const [key, b] of this.buckets)
      if (b.tokens + ((nowMs - b.atMs) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
  }
}
