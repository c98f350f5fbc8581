import { TokenError } from "./verify.js";

/**
 * The authorization front's revocation list, read by the edge. The front appends a record when a
 * user (grants page), an admin (`revoke`) or a client (RFC 7009) revokes; a record refuses every
 * token of one user, one client or one grant issued at or before its time. The edge reads the list
 * at most every `cacheSeconds`, so a revoked token is refused within that bound (plus one fetch);
 * scopes that need immediate revocation are also introspected on every use (introspect.ts).
 * Fails closed: when the list cannot be fetched and the cached copy is older than the bound, the
 * request is refused with 503.
 */

/** One record as the front serves it (`GET /revocations`). */
export interface RevocationEntry {
  kind: "user" | "client" | "grant";
  id: string;
  /** Tokens issued at or before this time (epoch seconds) are refused. */
  at: number;
}

/** What a token says about itself. */
export interface RevocableToken {
  sub?: string | undefined;
  clientId?: string | undefined;
  /** The front's grant id (`gid` claim). */
  grantId?: string | undefined;
  /** `iat`, epoch seconds. */
  iat: number;
}

/** The first record revoking `t`, if any. */
export function revokedBy(entries: readonly RevocationEntry[], t: RevocableToken): RevocationEntry | undefined {
  for (const e of entries) {
    if (t.iat > e.at) continue;
    if ((e.kind === "user" && e.id === t.sub) || (e.kind === "client" && e.id === t.clientId) || (e.kind === "grant" && t.grantId !== undefined && e.id === t.grantId)) return e;
  }
  return undefined;
}

export interface RevocationListConfig {
  /** The front's `GET /revocations` URL. */
  endpoint: string;
  clientId: string;
  /** Seconds a fetched list is used before the next fetch (the revocation bound). */
  cacheSeconds: number;
  /** How far back to ask, seconds: the longest token age the edge accepts. */
  windowSeconds: number;
}

/** Timeout of one list fetch, ms. */
export const REVOCATION_LIST_TIMEOUT_MS = 3000;

/** The `gid` claim of a compact JWS whose signature was already verified (payload only). */
function grantIdOf(token: string): string | undefined {
  const a = token.indexOf(".");
  const b = token.indexOf(".", a + 1);
  try {
    const gid = (JSON.parse(Buffer.from(token.slice(a + 1, b), "base64url").toString("utf8")) as { gid?: unknown }).gid;
    return typeof gid === "string" ? gid : undefined;
  } catch {
    return undefined;
  }
}

export class RevocationList {
  private entries: RevocationEntry[] = [];
  private fetchedAt = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly hasGrants = { value: false };

  constructor(
    private readonly c: RevocationListConfig,
    private readonly secret: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  private async refresh(nowMs: number): Promise<void> {
    const since = Math.floor(nowMs / 1000) - this.c.windowSeconds;
    const url = `${this.c.endpoint}${this.c.endpoint.includes("?") ? "&" : "?"}since=${since}`;
    const auth = `Basic ${Buffer.from(`${encodeURIComponent(this.c.clientId)}:${encodeURIComponent(this.secret)}`).toString("base64")}`;
    const res = await this.fetchImpl(url, { headers: { authorization: auth, accept: "application/json" }, redirect: "manual", signal: AbortSignal.timeout(REVOCATION_LIST_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    const body = (await res.json()) as { revocations?: unknown };
    if (!Array.isArray(body.revocations)) throw new Error("no revocations array");
    const entries: RevocationEntry[] = [];
    for (const r of body.revocations as Array<Record<string, unknown>>) {
      if ((r.kind === "user" || r.kind === "client" || r.kind === "grant") && typeof r.id === "string" && typeof r.at === "number") entries.push({ kind: r.kind, id: r.id, at: r.at });
    }
    this.entries = entries;
    this.hasGrants.value = entries.some((e) => e.kind === "grant");
    this.fetchedAt = nowMs;
  }

  /**
   * Refuses a revoked token. @param token the verified compact JWS (read for `gid` only when a
   * grant record exists). @throws TokenError `revoked` / `revocation_list_unavailable`.
   */
  async check(token: string, t: Omit<RevocableToken, "grantId">, nowMs: number): Promise<void> {
    if (nowMs - this.fetchedAt >= this.c.cacheSeconds * 1000) {
      try {
        await (this.inflight ??= this.refresh(nowMs).finally(() => (this.inflight = undefined)));
      } catch {
        throw new TokenError("revocation_list_unavailable");
      }
    }
    if (this.entries.length === 0) return;
    const grantId = this.hasGrants.value ? grantIdOf(token) : undefined;
    if (revokedBy(this.entries, { ...t, grantId })) throw new TokenError("revoked");
  }
}
