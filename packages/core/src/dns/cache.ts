import type { Nanos } from "../engine/index.ts";

/** A cached value and how many whole seconds of its TTL are left. */
export interface CacheHit<V> {
  readonly value: V;
  /** Seconds left, rounded down, as a cache that rewrites TTLs reports them. */
  readonly remaining: number;
}

/**
 * A map whose entries expire after their TTL on the simulated clock. Expired
 * entries are dropped when looked up, so the cache holds no timers. Used for
 * CoreDNS's `cache` plugin and for the client-side cache of a resolver.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: Nanos }>();
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that found nothing, or an expired entry. */
  misses = 0;

  /** The live entry for `key` at `now`, or undefined. */
  get(key: string, now: Nanos): CacheHit<V> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expires <= now) {
      if (entry !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return { value: entry.value, remaining: Math.floor((entry.expires - now) / 1e9) };
  }

  /** Stores `value` for `ttlSeconds` from `now`; a TTL of 0 or less stores nothing. */
  set(key: string, value: V, ttlSeconds: number, now: Nanos): void {
    if (!(ttlSeconds > 0)) return;
    this.entries.set(key, { value, expires: (now + Math.round(ttlSeconds * 1e9)) as Nanos });
  }

  /** Entries stored, live or not yet noticed as expired. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
