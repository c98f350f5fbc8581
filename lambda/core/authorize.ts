import type { AuditChain, AuditFields, ParamHasher, ParamMode } from "./audit.js";
import { paramTexts } from "./audit.js";
import { lastDot, TokenCache } from "./cache.js";
import { bearerChallenge, challengeResponse, corsFor, INVALID_TOKEN_DESCRIPTION, jsonRpcError, plainError } from "./challenge.js";
import { timesProblem } from "./claims.js";
import { LIST_METHODS } from "./list-filter.js";
import { HEADER_MISMATCH, headersMatch, isModern, requirementOf, type Call } from "./jsonrpc.js";
import { requestCalls } from "./transport.js";
import type { EdgeRequest, LiteResponse } from "./http.js";
import { missingScopes } from "./scopes.js";
import { originAllowed, type ServerRuntime } from "./server.js";
import { principalKey, SessionTable } from "./sessions.js";
import { COMPACT, TokenError, verifyJws, verifyJwsHeld, type TokenReason } from "./verify.js";

export type { Principal } from "./token-facts.js";
import { factsOf, type Principal, type ServerState, type TokenFacts } from "./token-facts.js";

export type Decision =
  | { allow: true; principal: Principal; scopes: string[]; calls: Call[]; session: string | undefined; granted: ReadonlySet<string> }
  /** `observed`: an observe-mode server forwards the request although the policy refuses it (audited `would: "deny"`). */
  | { allow: false; response: LiteResponse; observed?: true };

/**
 * Refusals an observe-mode server lets through (and audits): missing or invalid tokens, missing
 * scopes, methods and operations the policy refuses, sessions of another principal, and the fail-closed
 * 429/503 answers. Foreign origins (DNS rebinding), tokens in the URL, malformed requests and
 * transport-level refusals are enforced in every mode.
 */
function observable(status: number, reason: string): boolean {
  return (status === 401 || status === 403 || status === 404 || status === 429 || status === 503) && reason !== "origin_not_allowed";
}

/** Request context from the adapter. */
export interface RequestContext {
  sourceIp?: string | undefined;
}


/** RFC 6750 §2.1 `b64token`; a joined duplicate header ("Bearer a, Bearer b") never matches. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What follows `Bearer ` and its spaces (scheme case-insensitive, RFC 9110 §11.1), else `undefined`; not yet checked. */
function bearerCandidate(auth: string): string | undefined {
  let i = 6;
  while (auth.charCodeAt(i) === 0x20) i++;
  let j = auth.length;
  while (j > i && auth.charCodeAt(j - 1) === 0x20) j--;
  return i > 6 ? auth.slice(i, j) : undefined;
}

/** Operator log entry. Never holds a token or secret. */
export interface LogEntry {
  level: "info" | "warn" | "error";
  event: string;
  server?: string;
  reason?: string;
  detail?: string;
  status?: number;
}

export interface AuthorizerDeps {
  now: () => number;
  /**
   * Verified-token cache bounds: entries per server (0 disables) and TTL in ms. Each server has its
   * own cache: facts checked against one server's issuer and audience must never serve another's
   * request (confused deputy through the cache).
   */
  cache: { max: number; ttlMs: number };
  /** Session table bounds per server: entries and idle time in ms. Default 10000 entries, 1 hour. */
  sessions?: { max: number; idleMs: number };
  audit: AuditChain;
  log: (e: LogEntry) => void;
  paramMode: ParamMode | ParamHasher;
}

/**
 * The authorization decision for one request to one MCP server. Order: origin (RS-23), token
 * transport (RS-20), token validation (RS-14..16, RS-18), the request's operations (RS-24),
 * token age for the highest sensitivity used, revocation, scopes (RS-11..13), session binding.
 */
export class Authorizer {
  private readonly states = new WeakMap<ServerRuntime, ServerState>();
  /** A deferred hasher: records carry raw argument values (`paramTexts`), hashed by the chain before serialising. */
  readonly #unhashedUnder: ParamHasher | undefined;
  constructor(private readonly d: AuthorizerDeps) {
    this.#unhashedUnder = typeof d.paramMode === "object" && d.paramMode.deferred ? d.paramMode : undefined;
  }

  private stateOf(s: ServerRuntime): ServerState {
    let st = this.states.get(s);
    if (!st) this.states.set(s, (st = { cache: new TokenCache<TokenFacts>(this.d.cache.max, this.d.cache.ttlMs), scopeFacts: new Map(), sessions: new SessionTable(this.d.sessions?.max ?? 10_000, this.d.sessions?.idleMs ?? 3_600_000) }));
    return st;
  }

  /** Writes the denial's audit record and operator log line. */
  private deny(x: DenyContext, response: LiteResponse, reason: string): Decision {
    x.rec.status = response.status;
    x.rec.reason = reason;
    if (x.s.config.enforcement === "observe" && observable(response.status, reason)) {
      x.rec.decision = "allow";
      x.rec.would = "deny";
      this.d.audit.write(x.rec, x.nowMs, this.#unhashedUnder);
      this.d.log({ level: "info", event: "observe_would_deny", server: x.s.config.server, reason, status: response.status });
      return { allow: false, response, observed: true };
    }
    this.d.audit.write(x.rec, x.nowMs, this.#unhashedUnder);
    this.d.log({ level: response.status >= 500 ? "error" : "info", event: "deny", server: x.s.config.server, reason, status: response.status });
    return { allow: false, response };
  }

  /** A refused token: 401 invalid_token (RS-18), or 503 when the IdP could not be asked (fail closed). */
  private tokenDeny(x: DenyContext, reason: TokenReason): Decision {
    // RFC 6585 §4: a source past its introspection budget is told to slow down (fail closed).
    if (reason === "introspection_rate_limited") return this.deny(x, plainError(429, "too_many_requests", { "retry-after": "60", ...x.cors }), reason);
    if (reason === "jwks_unavailable" || reason === "introspection_unavailable" || reason === "revocation_list_unavailable") {
      return this.deny(x, plainError(503, "temporarily_unavailable", { "retry-after": "5", ...x.cors }), reason);
    }
    // The description is generic; the specific reason goes to the log and audit only.
    const ch = bearerChallenge({ resourceMetadata: x.s.metadataUrl, scopes: challengeScopes(x), error: "invalid_token", description: INVALID_TOKEN_DESCRIPTION });
    return this.deny(x, challengeResponse(401, ch, x.cors, { error: "invalid_token" }), reason);
  }

  async decide(s: ServerRuntime, req: EdgeRequest, body: string | undefined, ctx: RequestContext): Promise<Decision> {
    const nowMs = this.d.now();
    const h = req.headers;
    const origin = h.get("origin");
    const sessionId = h.get("mcp-session-id");
    const st = this.stateOf(s);
    // Audit records and the session table hold a hash of the session id, never the id (a bearer handle).
    const session = sessionId !== null ? st.sessions.hashOf(sessionId) : undefined;
    const x: DenyContext = {
      s,
      nowMs,
      cors: NO_CORS,
      rec: {
        server: s.config.server,
        decision: "deny",
        would: undefined,
        status: 0,
        reason: "",
        user: undefined,
        client: undefined,
        agent: undefined,
        tenant: undefined,
        hostClient: undefined,
        session,
        method: undefined,
        tool: undefined,
        params: undefined,
        batch: undefined,
        scopes: undefined,
        missing: undefined,
        ip: ctx.sourceIp,
        ua: h.get("user-agent") ?? undefined,
        jti: undefined,
      },
      need: undefined,
    };

    // MCP transports: a present, invalid Origin gets 403 (DNS rebinding, RS-23).
    if (origin !== null && !originAllowed(s, origin, h.get("host"))) return this.deny(x, plainError(403, "origin_not_allowed"), "origin_not_allowed");
    const cors = (x.cors = corsFor(origin));
    const version = h.get("mcp-protocol-version");
    const modern = isModern(version);
    // MCP 2026-07-28 Streamable HTTP, "Earlier Streamable HTTP Revisions": no GET stream, no session
    // DELETE; a server of this revision answers both with 405 Method Not Allowed.
    if (modern && (req.method === "GET" || req.method === "DELETE")) {
      return this.deny(x, plainError(405, "method_not_allowed", { allow: "POST, OPTIONS", ...cors }), "method_not_allowed");
    }

    // RS-20: access tokens MUST NOT be in the query string; RFC 6750 §2.2 form bodies are not accepted either.
    const q = req.url.indexOf("?");
    if (
      (q >= 0 && new URL(req.url).searchParams.has("access_token")) ||
      (body !== undefined && body.includes("access_token=") && /(?:^|&)access_token=/.test(body) && (h.get("content-type") ?? "").includes("x-www-form-urlencoded"))
    ) {
      const ch = bearerChallenge({ resourceMetadata: s.metadataUrl, error: "invalid_request", description: "Send the access token in the Authorization header only" });
      return this.deny(x, challengeResponse(400, ch, cors, { error: "invalid_request" }), "token_in_query");
    }

    // What the request asks for (parsed before the token so a challenge can name its scopes).
    const mcpMethod = h.get("mcp-method");
    const { calls, name: mcpName, headerOnly } = requestCalls(req.method, body, mcpMethod, h.get("mcp-name"), modern);
    const reqt = Array.isArray(calls) ? requirementOf(calls, s.ops) : undefined;
    // A challenge asks for the basic scopes plus everything this operation needs (RS-8, RS-12).
    if (reqt && reqt.scopes.length > 0) x.need = reqt.scopes;

    const auth = h.get("authorization");
    if (auth === null || auth.length < 6 || auth.slice(0, 6).toLowerCase() !== "bearer" || (auth.length > 6 && auth.charCodeAt(6) !== 0x20)) {
      // RFC 6750 §3.1: no error code when the request carried no token.
      return this.deny(x, challengeResponse(401, bearerChallenge({ resourceMetadata: s.metadataUrl, scopes: challengeScopes(x) }), cors, { error: "unauthorized" }), "no_token");
    }
    // A cached token already passed every syntax check: look it up before re-validating its syntax.
    // Keyed by the SHA-256 of the signature segment; a hit also needs the same signing input, so it
    // is the exact token verified before (cache.ts). Opaque tokens are never in this cache.
    const cache = st.cache;
    const cacheOn = cache.max > 0;
    // The usual header is `Bearer <token>` with single spacing: no trim (which would copy the token).
    const raw = !cacheOn ? "" : auth.charCodeAt(7) !== 0x20 && auth.charCodeAt(auth.length - 1) > 0x20 ? auth.slice(7) : auth.slice(7).trim();
    const rawDot = lastDot(raw);
    let key = rawDot > 0 ? TokenCache.jwsKey(raw, rawDot) : undefined;
    let facts = key !== undefined ? cache.get(key, nowMs, raw.slice(0, rawDot)) : undefined;
    // Introspection caches by the SHA-256 of the whole token (introspect.ts).
    let ikey: string | undefined;
    // The token of `Bearer <b64token>` (RFC 6750 §2.1). A compact JWS shape implies b64token, so a
    // token passing that one scan skips the second (and verification skips its own shape check).
    const candidate = facts ? raw : bearerCandidate(auth);
    const shaped = !facts && candidate !== undefined && COMPACT.test(candidate);
    const token = facts || shaped || (candidate !== undefined && B64TOKEN.test(candidate)) ? candidate : undefined;
    if (token === undefined) {
      // Malformed header, or several Authorization headers joined by the runtime (RFC 6750 §3.1 invalid_request).
      const ch = bearerChallenge({ resourceMetadata: s.metadataUrl, error: "invalid_request", description: "Malformed Authorization header" });
      return this.deny(x, challengeResponse(400, ch, cors, { error: "invalid_request" }), "authorization_malformed");
    }

    if (key !== undefined && raw !== token) key = undefined; // header had odd spacing: key by the real token
    let opaque = false;
    if (!facts) {
      try {
        if (s.introspector?.acceptsOpaque && !token.includes(".")) {
          // Opaque token: only introspection can say what it is (RFC 7662); the same claim checks apply.
          opaque = true;
          facts = factsOf(await s.introspector.check(token, (ikey ??= TokenCache.keyOf(token)), nowMs, ctx.sourceIp), s, st);
        } else {
          // Synchronous when the key is held (the common case); awaits only a JWKS fetch.
          facts = factsOf((verifyJwsHeld(token, s.headers, s.keys, shaped) ?? (await verifyJws(token, s.headers, s.keys, shaped))).claims, s, st);
          if (cacheOn) {
            const dot = lastDot(token);
            cache.set((key ??= TokenCache.jwsKey(token, dot)), facts, nowMs, facts.times.exp * 1000, token.slice(0, dot));
          }
        }
      } catch (e) {
        if (e instanceof TokenError) return this.tokenDeny(x, e.reason);
        throw e;
      }
    }
    const p = facts.principal;
    const rec = x.rec;
    rec.user = p.sub;
    rec.client = p.clientId;
    rec.agent = p.agent;
    rec.tenant = p.tenant;
    rec.jti = p.jti;

    // MCP authorization, "Token Handling": an invalid or expired token gets 401 whatever the request
    // asks for, so the clock is checked (cache hit or not) before the request is judged, with the age
    // bound of the request's sensitivity (routine when it names no operation).
    const late = timesProblem(facts.times, Math.floor(nowMs / 1000), s.claims.clockToleranceSeconds, s.config.maxTokenAgeSeconds[reqt?.sensitivity ?? "routine"]);
    if (late) return this.tokenDeny(x, late);
    if (!Array.isArray(calls)) return this.deny(x, jsonRpcError(calls.status, calls.code, calls.message, cors), calls.reason);
    // Errors about a single request carry its id (MCP basic: "Error responses MUST include the same ID as the request").
    const rid = calls.length === 1 ? calls[0]!.id : null;
    this.callFields(calls, rec);
    const mismatch = headersMatch(calls, mcpMethod, mcpName ?? null, version);
    if (mismatch) return this.deny(x, jsonRpcError(400, mismatch.code, mismatch.message, cors, undefined, rid), mismatch.reason);
    if (req.method === "POST" && (body === undefined || body.length === 0) && mcpMethod === null && s.hasOperations) {
      // Bodyless authorizer mode cannot see the operation: it must be named in Mcp-Method/Mcp-Name.
      return this.deny(x, jsonRpcError(400, -32600, "Mcp-Method header required when the body is not available", cors, undefined, rid), "operation_unknown");
    }
    if (headerOnly && s.hasOperations && !modern) {
      // MCP 2026-07-28 Streamable HTTP, "Server Validation": intermediaries that enforce policy on
      // mirrored headers SHOULD reject a request whose MCP-Protocol-Version is older or absent, since
      // no server behind them is bound to check those headers against the body.
      return this.deny(x, jsonRpcError(400, HEADER_MISMATCH, "MCP-Protocol-Version 2026-07-28 or later required to authorize from Mcp-Method/Mcp-Name", cors, undefined, rid), "header_version_too_old");
    }
    const r = reqt!;
    if (r.scopes.length) rec.scopes = r.scopes;
    // Deny by default: a method outside the token-only list and the declared operations is refused
    // with a JSON-RPC error and no Bearer challenge (no scope can make it pass, so no step-up).
    // A 2026-07-28 client reading the body gets 404 as from a server that does not implement the method
    // (MCP basic, 2026-07-28: "MUST respond with 404 Not Found" and -32601); header-only requests keep 403.
    if (r.refused.length > 0) return this.deny(x, jsonRpcError(modern && !headerOnly ? 404 : 403, METHOD_NOT_ALLOWED, "Method not allowed on this server", cors, undefined, rid), "method_not_allowed");
    // Per-caller lists are filtered one response at a time: a list call inside a batch is refused
    // rather than passed through unfiltered (fail closed; batches exist before MCP 2025-06-18 only).
    if (calls.length > 1 && s.config.filterLists === true && calls.some((c) => LIST_METHODS.has(c.method))) {
      return this.deny(x, jsonRpcError(400, -32600, "List methods cannot be batched on this server", cors, undefined, rid), "list_in_batch");
    }
    if (r.undeclared.length > 0 && s.config.undeclaredOperations !== "allow") {
      return this.deny(x, jsonRpcError(403, METHOD_NOT_ALLOWED, "Method not allowed: the operation is not declared on this server", cors, undefined, rid), "operation_not_declared");
    }

    try {
      // Per request, cache hit or not: immediate revocation.
      if (!opaque && s.introspector?.applies(r.scopes)) await s.introspector.check(token, (ikey ??= TokenCache.keyOf(token)), nowMs, ctx.sourceIp);
      if (s.revocations) await s.revocations.check(token, { sub: p.sub, clientId: p.clientId, iat: facts.times.iat }, nowMs);
    } catch (e) {
      if (e instanceof TokenError) return this.tokenDeny(x, e.reason);
      throw e;
    }

    // RS-11/RS-12: 403 insufficient_scope naming every scope the operation needs, in one challenge.
    const missing = missingScopes(r.scopes, facts.granted);
    if (missing.length > 0) {
      const ch = bearerChallenge({ resourceMetadata: s.metadataUrl, scopes: r.scopes, error: "insufficient_scope", description: "The operation needs additional scopes" });
      rec.missing = missing;
      return this.deny(x, challengeResponse(403, ch, cors, { error: "insufficient_scope", scope: r.scopes.join(" ") }), "insufficient_scope");
    }
    // Sessions are bound to the principal that created them (sessions.ts): anyone else gets 404 (as for an unknown
    // session), checked last so that a token that is expired, revoked or short of scopes learns nothing about the session.
    if (session !== undefined && st.sessions.check(session, () => principalKey(p), nowMs) === "foreign") {
      return this.deny(x, jsonRpcError(404, -32001, "Session not found", cors, undefined, rid), "session_not_owned");
    }
    rec.decision = "allow";
    rec.status = 200;
    rec.reason = "ok";
    this.d.audit.write(rec, nowMs, this.#unhashedUnder);
    return { allow: true, principal: p, scopes: r.scopes, calls, session, granted: facts.granted };
  }

  /** Binds a session id the upstream issued in answer to `initialize` to the principal that asked. */
  bindSession(s: ServerRuntime, sessionId: string, principal: Principal, nowMs: number): void {
    const t = this.stateOf(s).sessions;
    t.bind(t.hashOf(sessionId), principalKey(principal), nowMs);
  }

  /** Forgets a session (ended by DELETE, or no longer known upstream). */
  dropSession(s: ServerRuntime, hashed: string): void {
    this.stateOf(s).sessions.drop(hashed);
  }

  /** Fills the call fields of the audit record (method, tool, hashed params, batch, host client). */
  private callFields(calls: readonly Call[], rec: AuditFields): void {
    if (calls.length === 0) return;
    const mode = this.d.paramMode;
    const first = calls[0]!;
    rec.method = first.method;
    rec.tool = first.name;
    rec.params = paramsOf(first, mode);
    if (calls.length > 1) rec.batch = calls.slice(1).map((c) => ({ method: c.method, tool: c.name, params: paramsOf(c, mode) }));
    const init = calls.find((c) => c.method === "initialize")?.params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
    if (init && typeof init.name === "string") rec.hostClient = `${init.name}${typeof init.version === "string" ? `/${init.version}` : ""}`;
  }
}

/** What a denial needs to write its record and build its challenge. */
interface DenyContext {
  s: ServerRuntime;
  nowMs: number;
  cors: Record<string, string>;
  /** The audit record being filled (fixed shape). */
  rec: AuditFields;
  /** Scopes the request's operations need, once known (a challenge names them too). */
  need: readonly string[] | undefined;
}

/** Scopes a challenge asks for: the basic scopes plus everything the operation needs (RS-8, RS-12). */
function challengeScopes(x: DenyContext): readonly string[] {
  const supported = x.s.config.scopesSupported;
  return x.need ? [...new Set([...supported, ...x.need])] : supported;
}

/** Audit parameters of a call: tool and prompt arguments (hashed per `mode`). */
function paramsOf(c: Call, mode: ParamMode | ParamHasher): Record<string, string> | undefined {
  return paramTexts(c.method === "tools/call" || c.method === "prompts/get" ? c.params?.arguments : undefined, mode);
}
const NO_CORS: Record<string, string> = {};
/**
 * JSON-RPC error code of a refused method or undeclared operation: -32601 "Method not found" (JSON-RPC
 * 2.0 §5.1), the code MCP servers use for a method they do not serve; sent with HTTP 403.
 */
export const METHOD_NOT_ALLOWED = -32601;
