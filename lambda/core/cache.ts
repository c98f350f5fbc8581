import { nodeCrypto } from "./node.js";

const { hash } = nodeCrypto;

/**
 * Verified-token cache: a bounded LRU keyed by SHA-256 of the token (the token itself is never
 * held as a key). An entry lives no longer than `min(exp, now + ttl)`. It stores what signature
 * verification produced; every per-request check still runs on a hit.
 */
export class TokenCache<V> {
  private readonly map = new Map<string, { value: V; until: number }>();

  /**
   * @param max maximum entries (default 1000).
   * @param ttlMs maximum life of an entry, ms (default 60000).
   */
  constructor(
    readonly max = 1000,
    readonly ttlMs = 60_000,
  ) {}

  /** The cache key of a token: base64url SHA-256. */
  static keyOf(token: string): string {
    return hash("sha256", token, "base64url");
  }

  get(key: string, nowMs: number): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.until <= nowMs) {
      this.map.delete(key);
      return undefined;
    }
    // Refresh recency: Map keeps insertion order, so re-inserting moves it to the young end.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** @param expMs the token's `exp`, epoch ms. */
  set(key: string, value: V, nowMs: number, expMs: number): void {
    const until = Math.min(expMs, nowMs + this.ttlMs);
    if (until <= nowMs || this.max <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, until });
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
