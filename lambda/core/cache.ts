import { nodeCrypto } from "./node.js";

const { hash } = nodeCrypto;

/**
 * `s.lastIndexOf(".")`, found forwards: `indexOf` is vectorised in V8 and `lastIndexOf` is not
 * (about 0.15 µs against 0.04 µs on an RS256 token). A compact JWS has two dots, so two forward
 * searches and a third that finds none give the same answer; any other count defers to
 * `lastIndexOf`. Differentially tested (test/edge/fast-paths.test.ts).
 */
export function lastDot(s: string): number {
  const a = s.indexOf(".");
  if (a < 0) return -1;
  const b = s.indexOf(".", a + 1);
  if (b < 0) return a;
  return s.indexOf(".", b + 1) < 0 ? b : s.lastIndexOf(".");
}

/**
 * Verified-token cache: a bounded LRU keyed by a SHA-256 (the token itself is never held). An entry
 * lives no longer than `min(exp, now + ttl)`. It stores what signature verification produced; every
 * per-request check still runs on a hit.
 *
 * Compact JWS entries are keyed by the SHA-256 of the signature segment only (`jwsKey`: half the
 * hashed bytes of an RS256 token) and hold the signing input (`header.payload`: readable by anyone
 * who sees the token, and no credential without the signature); a lookup hits only when that input
 * is byte-identical too. A hit is therefore the exact token verified before, as with a hash of the
 * whole token, and a memory dump still yields no usable token.
 */
export class TokenCache<V> {
  private readonly map = new Map<string, { value: V; until: number; input: string | undefined; tick: number }>();
  /** Counts insertions and moves to the young end: an entry's `tick` tells how far it may have aged. */
  private tick = 0;
  /** A hit moves its entry to the young end only when it may have left the youngest quarter. */
  private readonly young: number;

  /**
   * @param max maximum entries (default 1000).
   * @param ttlMs maximum life of an entry, ms (default 60000).
   */
  constructor(
    readonly max = 1000,
    readonly ttlMs = 60_000,
  ) {
    this.young = max >> 2;
  }

  /** The cache key of a token: base64url SHA-256. */
  static keyOf(token: string): string {
    return hash("sha256", token, "base64url");
  }

  /** Cache key of a compact JWS: base64url SHA-256 of its signature segment (pass the signing input to `get`/`set`). */
  static jwsKey(token: string, dot: number = lastDot(token)): string {
    return hash("sha256", token.slice(dot + 1), "base64url");
  }

  /** @param input when given, the entry's stored signing input must equal it (JWS entries). */
  get(key: string, nowMs: number, input?: string): V | undefined {
    const e = this.map.get(key);
    if (!e || e.input !== input) return undefined;
    if (e.until <= nowMs) {
      this.map.delete(key);
      return undefined;
    }
    // Refresh recency: Map keeps insertion order, so re-inserting moves it to the young end. At most
    // `tick - e.tick` entries went in after it, so while that is within the youngest quarter the move
    // is skipped: eviction still only takes entries unused for at least max/4 insertions and moves.
    if (this.tick - e.tick > this.young) {
      this.map.delete(key);
      e.tick = ++this.tick;
      this.map.set(key, e);
    }
    return e.value;
  }

  /**
   * @param expMs the token's `exp`, epoch ms.
   * @param input the signing input of a JWS keyed by `jwsKey` (a later `get` must present it).
   */
  set(key: string, value: V, nowMs: number, expMs: number, input?: string): void {
    const until = Math.min(expMs, nowMs + this.ttlMs);
    if (until <= nowMs || this.max <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, until, input, tick: ++this.tick });
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
