import type { EdgeConfig } from "../config.js";
import { TokenCache } from "./cache.js";
import { TokenError } from "./verify.js";

type IntrospectionConfig = NonNullable<EdgeConfig["introspection"]>;

/** Timeout of one introspection call, ms. */
export const INTROSPECTION_TIMEOUT_MS = 3000;
/** Default life of a negative answer (`active: false`) in the cache, seconds. */
export const DEFAULT_NEGATIVE_CACHE_SECONDS = 10;
/** Default introspection calls one source may cause per minute (cache hits are free). */
export const DEFAULT_CALLS_PER_SOURCE_PER_MINUTE = 30;
/** Sources tracked by the per-source budget before the oldest windows are dropped. */
const MAX_SOURCES = 10_000;
const WINDOW_MS = 60_000;

/**
 * RFC 7662 token introspection for immediate revocation, hardened against amplification: a request
 * the edge cannot check locally must not turn into an unbounded number of calls to the IdP (whose
 * rate limit, once exhausted, would fail every critical call closed).
 *
 * - Positive answers are cached for at most `cacheSeconds` (config bound ≤ 60 s) and never past the
 *   token's `exp`: a revoked token is refused on the first request after that bound.
 * - Negative answers (`active: false`) are cached for `negativeCacheSeconds` (default 10 s): a
 *   refused token retried in a loop costs one call per bound. A token never becomes valid again
 *   after RFC 7662 says it is inactive, so caching the refusal is safe.
 * - Concurrent lookups of one token share one call.
 * - Each source (the client IP the adapter reports) may cause at most `maxCallsPerSourcePerMinute`
 *   calls in a fixed one-minute window; beyond it the request is refused (fail closed,
 *   `introspection_rate_limited`) without calling the IdP.
 * - Opaque (non-JWT) tokens reach introspection only when the config says the issuer issues them
 *   (`opaqueTokens: true`, see `acceptsOpaque`); otherwise they fail JWS parsing locally.
 * Fails closed when the endpoint is unreachable.
 */
export class Introspector {
  #cache: TokenCache<Record<string, unknown>>;
  #negative: TokenCache<true>;
  #inflight = new Map<string, Promise<Record<string, unknown>>>();
  #budget = new Map<string, { start: number; calls: number }>();
  /** Calls made to the endpoint since start (for tests and operators). */
  calls = 0;
  #perSource: number;
  constructor(
    private readonly c: IntrospectionConfig,
    private readonly secret: string | undefined,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.#cache = new TokenCache(500, c.cacheSeconds * 1000);
    this.#negative = new TokenCache(2000, (c.negativeCacheSeconds ?? DEFAULT_NEGATIVE_CACHE_SECONDS) * 1000);
    this.#perSource = c.maxCallsPerSourcePerMinute ?? DEFAULT_CALLS_PER_SOURCE_PER_MINUTE;
  }

  /** Whether tokens that are not a JWS (no `.`) are sent to introspection at all. */
  get acceptsOpaque(): boolean {
    return this.c.opaqueTokens === true;
  }

  /**
   * Asks the IdP whether the token is active. @returns the introspection response (RFC 7662 §2.2).
   * @param source the caller's address (per-source budget); absent sources share one budget.
   * @throws TokenError `introspection_inactive` / `introspection_unavailable` / `introspection_rate_limited`.
   */
  async check(token: string, key: string, nowMs: number, source?: string): Promise<Record<string, unknown>> {
    const hit = this.#cache.get(key, nowMs);
    if (hit) return hit;
    if (this.#negative.get(key, nowMs)) throw new TokenError("introspection_inactive");
    const running = this.#inflight.get(key);
    if (running) return running;
    this.#spend(source ?? "", nowMs);
    const p = this.#call(token, key, nowMs).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /** Counts one call against the source's window. @throws TokenError when the budget is spent. */
  #spend(source: string, nowMs: number): void {
    let w = this.#budget.get(source);
    if (!w || nowMs - w.start >= WINDOW_MS) {
      if (w) this.#budget.delete(source);
      else if (this.#budget.size >= MAX_SOURCES) this.#prune(nowMs);
      w = { start: nowMs, calls: 0 };
      this.#budget.set(source, w);
    }
    if (w.calls >= this.#perSource) throw new TokenError("introspection_rate_limited");
    w.calls++;
  }

  /** Drops expired windows, then (still full) the oldest ones: memory stays bounded. */
  #prune(nowMs: number): void {
    for (const [k, w] of this.#budget) if (nowMs - w.start >= WINDOW_MS) this.#budget.delete(k);
    for (const k of this.#budget.keys()) {
      if (this.#budget.size < MAX_SOURCES) break;
      this.#budget.delete(k);
    }
  }

  async #call(token: string, key: string, nowMs: number): Promise<Record<string, unknown>> {
    // RFC 7662 §2.1: form-encoded POST, client authenticates (client_secret_basic, RFC 6749 §2.3.1).
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    const form = new URLSearchParams({ token, token_type_hint: "access_token" });
    if (this.secret !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.c.clientId)}:${encodeURIComponent(this.secret)}`).toString("base64")}`;
    } else form.set("client_id", this.c.clientId);
    let body: unknown;
    this.calls++;
    try {
      const res = await this.fetchImpl(this.c.endpoint, {
        method: "POST",
        headers,
        body: form.toString(),
        redirect: "manual",
        signal: AbortSignal.timeout(INTROSPECTION_TIMEOUT_MS),
      });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      body = await res.json();
    } catch {
      throw new TokenError("introspection_unavailable");
    }
    if (typeof body !== "object" || body === null || (body as { active?: unknown }).active !== true) {
      // RFC 7662 §2.2: `active: false` is final for this token; remember it briefly.
      if (typeof body === "object" && body !== null && (body as { active?: unknown }).active === false) this.#negative.set(key, true, nowMs, Number.POSITIVE_INFINITY);
      throw new TokenError("introspection_inactive");
    }
    const r = body as Record<string, unknown>;
    const exp = typeof r.exp === "number" ? r.exp * 1000 : nowMs + this.c.cacheSeconds * 1000;
    this.#cache.set(key, r, nowMs, exp);
    return r;
  }

  /** Whether a request needing `required` scopes must be introspected (empty list: every request). */
  applies(required: readonly string[]): boolean {
    if (this.c.scopes.length === 0) return true;
    return required.some((s) => this.c.scopes.includes(s));
  }
}
