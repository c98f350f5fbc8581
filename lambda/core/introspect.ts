import type { EdgeConfig } from "../config.js";
import { TokenCache } from "./cache.js";
import { TokenError } from "./verify.js";

type IntrospectionConfig = NonNullable<EdgeConfig["introspection"]>;

/** Timeout of one introspection call, ms. */
export const INTROSPECTION_TIMEOUT_MS = 3000;

/**
 * RFC 7662 token introspection for immediate revocation. Only positive answers are cached, for at
 * most `cacheSeconds` (config bound ≤ 60 s) and never past the token's `exp`: a revoked token is
 * refused on the first request after that bound. Fails closed when the endpoint is unreachable.
 */
export class Introspector {
  private readonly cache: TokenCache<Record<string, unknown>>;
  constructor(
    private readonly c: IntrospectionConfig,
    private readonly secret: string | undefined,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.cache = new TokenCache(500, c.cacheSeconds * 1000);
  }

  /**
   * Asks the IdP whether the token is active. @returns the introspection response (RFC 7662 §2.2).
   * @throws TokenError `introspection_inactive` / `introspection_unavailable`.
   */
  async check(token: string, key: string, nowMs: number): Promise<Record<string, unknown>> {
    const hit = this.cache.get(key, nowMs);
    if (hit) return hit;
    // RFC 7662 §2.1: form-encoded POST, client authenticates (client_secret_basic, RFC 6749 §2.3.1).
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    const form = new URLSearchParams({ token, token_type_hint: "access_token" });
    if (this.secret !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.c.clientId)}:${encodeURIComponent(this.secret)}`).toString("base64")}`;
    } else form.set("client_id", this.c.clientId);
    let body: unknown;
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
    if (typeof body !== "object" || body === null || (body as { active?: unknown }).active !== true) throw new TokenError("introspection_inactive");
    const r = body as Record<string, unknown>;
    const exp = typeof r.exp === "number" ? r.exp * 1000 : nowMs + this.c.cacheSeconds * 1000;
    this.cache.set(key, r, nowMs, exp);
    return r;
  }

  /** Whether a request needing `required` scopes must be introspected (empty list: every request). */
  applies(required: readonly string[]): boolean {
    if (this.c.scopes.length === 0) return true;
    return required.some((s) => this.c.scopes.includes(s));
  }
}
