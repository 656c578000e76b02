// A token bucket per client: `rate` requests a second on average, bursts of up to `burst`. A client over its rate is
// told how long to wait (HTTP Retry-After). Idle clients are forgotten beyond `maxClients`, least recent first, so
// memory stays bounded whoever calls.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxClients = 10_000,
  ) {}

  /** 0 when `client` may go ahead (and is charged a token); otherwise the whole seconds until it may. */
  take(client: string, nowMs: number): number {
    const bucket = this.buckets.get(client);
    const tokens = bucket ? Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.rate) : this.burst;
    // Re-inserted so the map's order is least recently seen first.
    this.buckets.delete(client);
    if (tokens >= 1) {
      this.buckets.set(client, { tokens: tokens - 1, at: nowMs });
      this.forgetOldest();
      return 0;
    }
    this.buckets.set(client, { tokens, at: nowMs });
    return Math.max(1, Math.ceil((1 - tokens) / this.rate));
  }

  private forgetOldest(): void {
    for (const client of this.buckets.keys()) {
      if (this.buckets.size <= this.maxClients) return;
      this.buckets.delete(client);
    }
  }
}
