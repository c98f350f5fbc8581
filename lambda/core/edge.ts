import type { JsonWebKey, KeyObject } from "node:crypto";
import { parseEdgeConfig, type EdgeConfig } from "../config.js";
import { assertionClaims, createAssertionSigner, type AssertionSigner, type BatchSigner } from "./assertion.js";
import { AuditChain, ParamHasher, type AuditRecord, type AuditSink, type ParamMode } from "./audit.js";
import type { CheckpointOptions } from "./checkpoint.js";
import { Authorizer, type Decision, type LogEntry, type Principal, type RequestContext } from "./authorize.js";
import { corsFor, plainError } from "./challenge.js";
import { readBoundedBody, TOO_LARGE } from "./body.js";
import { fetchForwarder, forward, type Forwarder } from "./forward.js";
import { FETCH_API, type FetchApiParts } from "./edge-authorize.js";
import { headerPairsOf, LiteResponse, type EdgeRequest, type EdgeResponse } from "./http.js";
import { nodeForwarder } from "./node-forward.js";
import { filterListResponse, LIST_METHODS } from "./list-filter.js";
import { metadataResponse, WELL_KNOWN_PRM } from "./metadata.js";
import { isoTime } from "./time.js";
import { buildRuntime, originAllowed, type ServerRuntime } from "./server.js";
import { getBuiltin } from "./node.js";
import { routeRunner, type ExtraRoute, type RouteRunner } from "./routes.js";

export type { Decision, LogEntry, Principal, RequestContext } from "./authorize.js";
export type { EdgeRequest, EdgeResponse } from "./http.js";
export type { Forwarder, UpstreamCall, UpstreamReply } from "./forward.js";

/**
 * Largest request body the edge reads, bytes (MCP JSON-RPC messages are small). Counted while the
 * body streams in, whatever `Content-Length` says; a larger body is answered 413.
 */
export const MAX_BODY_BYTES = 1_048_576;
/** Path of the edge's public assertion keys (what upstreams verify the identity assertion with). */
export const EDGE_JWKS_PATH = "/.well-known/mcp-edge-jwks.json";

/** Options of `createEdge`. */
export interface EdgeOptions {
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Used for JWKS and introspection (default global `fetch`), and for upstream forwarding when
   * `forwarder` is not given.
   */
  fetch?: typeof fetch;
  /**
   * Sends allowed requests upstream (gateway mode). Default: `fetchForwarder(fetch)` when `fetch`
   * is given, else the keep-alive `node:http` forwarder (`nodeForwarder()`), which hands the
   * upstream body to the adapter as a node stream without Fetch API objects.
   */
  forwarder?: Forwarder;
  /** Receives each audit record. Default: one JSON line on stdout. */
  audit?: (record: AuditRecord, line: string) => void;
  /** Operator log (never tokens). Default: one JSON line on stderr for warn/error, silent for info. */
  log?: (entry: LogEntry) => void;
  /** Extra unauthenticated routes, consulted after metadata and before the auth gate; first non-undefined wins. */
  routes?: ExtraRoute[];
  /**
   * Private key signing the upstream identity assertion: a `KeyObject` (imported once, e.g. from
   * Secrets Manager at init) or a private JWK. The algorithm follows from the key: Ed25519 →
   * `EdDSA` (fastest to sign), EC P-256 → `ES256`, P-384 → `ES384`, RSA → `RS256`. Without it an
   * ephemeral Ed25519 key is generated per process (its public key is served at
   * `/.well-known/mcp-edge-jwks.json`); a config with `upstreamAssertion: "none"` sends none.
   */
  assertionKey?: JsonWebKey | KeyObject;
  /** `kid` of the assertion key. Default: the JWK's `kid`, else the key's RFC 7638 thumbprint. */
  assertionKeyId?: string;
  /** Lifetime of the identity assertion, seconds. Default 60. */
  assertionLifetimeSeconds?: number;
  /**
   * Signs the assertions of servers configured `upstreamAssertion: "batched"`, given the edge's
   * signer: `(signer) => new AssertionBatcher(signer)` (assertion-batch.ts). `startLocalEdge` passes
   * it; the Lambda entries do not (one request per invocation leaves nothing to batch), so a batched
   * config fails their start.
   */
  batchAssertions?: (signer: AssertionSigner) => BatchSigner;
  /** Looks up the introspection client secret by env var name. Default `process.env`. */
  secrets?: (envName: string) => string | undefined;
  /** Verified-token cache, per server: entries (default 1000; 0 disables) and TTL in ms (default 60000). */
  tokenCache?: { max?: number; ttlMs?: number };
  /**
   * Session binding table, per server and per process (a Lambda execution environment): entries
   * (default 10000, least recently used dropped first) and idle time in ms (default 1 hour).
   */
  sessions?: { max?: number; idleMs?: number };
  /** How tool argument values appear in audit records. Default `hash` (HMAC-SHA-256 under `auditHmacKey`). */
  auditParams?: ParamMode;
  /**
   * Per-deployment secret (≥ 32 bytes) keying the hashes of argument values, so equal values hash
   * equally across instances and cannot be recovered by hashing guesses. Default: a random key
   * per process (values cannot be correlated across instances).
   */
  auditHmacKey?: string | Uint8Array;
  /** Chain id for audit records. Default a random UUID per edge. */
  auditChainId?: string;
  /** Signed checkpoints of the audit chain, written to a separate append-only log (checkpoint.ts). */
  checkpoints?: CheckpointOptions;
  /**
   * Write audit records after the response: decisions queue their record, and the adapter calls
   * `afterResponse()` once the response is written and keeps the process alive until it resolves.
   * Only for adapters that do (node:http, Lambda response streaming). Default false.
   */
  deferAudit?: boolean;
}

/** A denial from `authorize`: `response` is a standard `Response`; `lite` the same without the Fetch API. */
export interface Denial {
  allow: false;
  readonly response: Response;
  readonly lite: LiteResponse;
}

/** An allow from `authorize`: who, the scopes the operation required, and the operation authorized. */
export interface Authorized {
  allow: true;
  /** `null` when an observe-mode server lets through a request the policy refuses (no principal established). */
  principal: Principal | null;
  scopes: string[];
  /** The JSON-RPC method authorized (the first, for a batch); absent for GET/DELETE. */
  method: string | undefined;
  /** The tool or prompt name or resource URI authorized (decoded from `Mcp-Name`), when the method has one. */
  name: string | undefined;
}

/** The edge: `handle` does everything; `authorize` decides without forwarding. */
export interface Edge {
  /** Serves metadata, challenges, preflights, and forwards allowed requests (gateway mode). */
  handle(req: EdgeRequest, ctx?: RequestContext): Promise<Response>;
  /** `handle` without building a standard `Response` for the edge's own answers (AWS adapters). */
  handleLite(req: EdgeRequest, ctx?: RequestContext): Promise<EdgeResponse>;
  /**
   * Decides without forwarding. Works on a bodyless request carrying only `Mcp-Method`/`Mcp-Name`
   * (API Gateway REST authorizer). Writes one audit record. Accepts a standard `Request` or any
   * `EdgeRequest` (a `LiteRequest` avoids loading the Fetch API on a cold start).
   */
  authorize(req: EdgeRequest, ctx?: RequestContext): Promise<Authorized | Denial>;
  /** The validated configs. */
  readonly configs: readonly EdgeConfig[];
  /** Public JWKS of the upstream identity assertion key. */
  readonly assertionJwks: { keys: JsonWebKey[] };
  /** Warms the JWKS of every server that has no snapshot (optional; the first request would do it). */
  warm(): Promise<void>;
  /**
   * The after-response hook. Adapters call it after the response is written (or, when they cannot
   * run code after the response, before returning it) and keep the process alive until it
   * resolves: it writes queued audit records (`deferAudit`) and signs the checkpoints they made
   * due. Cheap when nothing is pending; never rejects (checkpoint failures are logged).
   */
  afterResponse(): Promise<void>;
  /** `afterResponse`, then a checkpoint sealing the audit chain's head (shutdown, periodic flush). */
  flush(): Promise<void>;
}

/**
 * Writes newline-terminated text to fd 1 or 2 synchronously: no stream set-up on a cold start, and
 * nothing left buffered when Lambda freezes the process after the response (stdio pipes are
 * synchronous on Linux anyway). A short write (a full non-blocking pipe) is continued; what cannot
 * be written now (EAGAIN) goes through the process stream, which queues it.
 */
function writeText(fd: 1 | 2, text: string): void {
  let buf: Buffer | undefined;
  let done = 0;
  try {
    const fs = getBuiltin("node:fs") as typeof import("node:fs");
    done = fs.writeSync(fd, text);
    // Bytes written: equal to the length for ASCII text (audit lines are ASCII unless a field is not).
    if (done === text.length) return;
    buf = Buffer.from(text, "utf8");
    while (done < buf.length) done += fs.writeSync(fd, buf, done);
  } catch {
    const rest = buf ? buf.subarray(done) : done === 0 ? text : Buffer.from(text, "utf8").subarray(done);
    (fd === 1 ? process.stdout : process.stderr).write(rest);
  }
}

const noFetchApi = (): never => {
  throw new Error("this edge was built without the Fetch API: use handleLite");
};

const defaultLog = (e: LogEntry) => {
  if (e.level !== "info") writeText(2, `${JSON.stringify({ ...e, ts: isoTime(Date.now()) })}\n`);
};

/**
 * Creates the edge for one or more MCP servers. Configs are validated (zod) here, once: a bad
 * config throws `EdgeConfigError` naming the field, so a cold start fails loudly.
 */
export function createEdge(configs: EdgeConfig | EdgeConfig[], options: EdgeOptions = {}): Edge {
  return edgeWithForwarder(configs, options, options.forwarder ?? (options.fetch ? fetchForwarder(options.fetch) : nodeForwarder()), routeRunner(options.routes), FETCH_API);
}

/**
 * `createEdge` with the upstream forwarder chosen by the caller and the extra routes already made
 * a runner (`options.forwarder` and `options.routes` are not read). The Lambda entries call it with
 * their own forwarder (the gateway's `nodeForwarder()`; the authorizer's refuses) and no routes, so
 * their bundles leave out the Fetch API forwarder and the `Request` building they never use. `fetchApi` (`FETCH_API`) provides `handle`'s standard
 * `Response`s and `authorize`; without it (the gateway entry, which serves with `handleLite`) those
 * two throw, and their code stays out of that bundle.
 */
export function edgeWithForwarder(configs: EdgeConfig | EdgeConfig[], options: EdgeOptions, forwarder: Forwarder, runRoutes?: RouteRunner, fetchApi?: FetchApiParts): Edge {
  const list = (Array.isArray(configs) ? configs : [configs]).map((c) => parseEdgeConfig(c));
  if (list.length === 0) throw new Error("createEdge: at least one edge config is required");
  const now = options.now ?? Date.now;
  // Resolved per call: touching the global loads the Fetch implementation, which a cold start avoids.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const log = options.log ?? defaultLog;
  // Default: JSON lines on stdout, one write per drain (deferred mode) or per record.
  const userSink = options.audit;
  const sink: AuditSink = userSink ? (line, rec) => userSink(rec, line) : { text: (lines) => writeText(1, lines) };
  const runtimes = list.map((c) =>
    buildRuntime(c, {
      now,
      fetch: fetchImpl,
      secrets: options.secrets ?? ((n) => process.env[n]),
      onProblem: (server, reason, detail) => log({ level: "warn", event: "problem", server, reason, detail }),
    }),
  );
  const seen = new Map<string, string>();
  for (const r of runtimes) {
    const k = `${r.host}${r.path}`;
    if (seen.has(k)) throw new Error(`createEdge: servers '${seen.get(k)}' and '${r.config.server}' share the resource ${r.config.resource}`);
    seen.set(k, r.config.server);
  }
  const audit = new AuditChain(sink, {
    chain: options.auditChainId,
    checkpoints: options.checkpoints,
    defer: options.deferAudit,
    onError: (e) => log({ level: "error", event: "audit_checkpoint_failed", detail: e instanceof Error ? e.message : String(e) }),
  });
  const paramMode = (options.auditParams ?? "hash") === "hash" ? new ParamHasher(options.auditHmacKey, { deferred: options.deferAudit === true }) : options.auditParams!;
  const cache = { max: options.tokenCache?.max ?? 1000, ttlMs: options.tokenCache?.ttlMs ?? 60_000 };
  const sessions = { max: options.sessions?.max ?? 10_000, idleMs: options.sessions?.idleMs ?? 3_600_000 };
  const authorizer = new Authorizer({ now, cache, sessions, audit, log, paramMode });
  // A given key is imported now (a bad key fails the cold start); an ephemeral one only when first needed.
  let signer: AssertionSigner | undefined = options.assertionKey ? createAssertionSigner(options.assertionKey, options.assertionKeyId) : undefined;
  const getSigner = (): AssertionSigner => {
    if (signer) return signer;
    signer = createAssertionSigner();
    log({ level: "warn", event: "ephemeral_assertion_key", detail: "no assertionKey given; upstreams must fetch the edge JWKS after each restart" });
    return signer;
  };
  if (!options.batchAssertions && runtimes.some((r) => r.config.upstreamAssertion === "batched")) {
    throw new Error('upstreamAssertion "batched" needs the batchAssertions option');
  }
  let batcher: BatchSigner | undefined;
  const getBatcher = (): BatchSigner => (batcher ??= options.batchAssertions!(getSigner()));
  const edgeJwks = () => getSigner().jwks;
  const forwardAllow = new Map(runtimes.map((r) => [r, new Set(r.config.forwardHeaders ?? [])]));

  /** Route by the resource URI's path; among equal paths prefer the request's host. */
  function byPath(path: string, host: string, pick: (r: ServerRuntime) => string): ServerRuntime | undefined {
    const c = runtimes.filter((r) => pick(r) === path);
    if (c.length <= 1) return c[0];
    return c.find((r) => r.host === host);
  }
  /** The root well-known document is served only when exactly one server lives on the host. */
  function rootServer(host: string): ServerRuntime | undefined {
    const onHost = runtimes.filter((r) => r.host === host);
    if (onHost.length === 1) return onHost[0];
    if (onHost.length === 0 && runtimes.length === 1) return runtimes[0];
    return undefined;
  }

  /** The body, counted while it streams in and cut off at `MAX_BODY_BYTES` (413, RFC 9110 §15.5.14). */
  async function readBody(req: EdgeRequest): Promise<string | undefined | LiteResponse> {
    const b = await readBoundedBody(req, MAX_BODY_BYTES);
    return b === TOO_LARGE ? plainError(413, "request_too_large", { connection: "close" }) : b;
  }

  async function handleLite(req: EdgeRequest, ctx: RequestContext = {}): Promise<EdgeResponse> {
    const url = new URL(req.url);
    const host = url.host.toLowerCase();
    const path = url.pathname;
    try {
      if (path === WELL_KNOWN_PRM || path.startsWith(`${WELL_KNOWN_PRM}/`)) {
        const s = path === WELL_KNOWN_PRM ? rootServer(host) : byPath(path, host, (r) => r.metadataPath);
        if (s) return metadataResponse(req.method, s.metadataBody);
        return plainError(404, "not_found", { "access-control-allow-origin": "*" });
      }
      if (path === EDGE_JWKS_PATH && (req.method === "GET" || req.method === "HEAD")) {
        return new LiteResponse(200, { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" }, req.method === "HEAD" ? null : JSON.stringify(edgeJwks()));
      }
      // Extra routes see a standard Request; a non-Fetch request's body is read once, bounded, and reused below.
      let preread: string | undefined | null = null;
      if (runRoutes) {
        const r = await runRoutes(req, readBody);
        if (!("preread" in r)) return r;
        preread = r.preread;
      }
      const s = byPath(path, host, (r) => r.path);
      if (!s) return plainError(404, "not_found");
      const origin = req.headers.get("origin");
      const verb = req.method;
      const known = verb === "POST" || verb === "GET" || verb === "DELETE";
      // MCP transports: a present, invalid Origin gets 403 whatever the method (RS-23); the authorizer
      // checks (and audits) it for the methods it decides, here it goes before preflight and 405.
      const foreign = origin !== null && !originAllowed(s, origin, req.headers.get("host"));
      if (!known && foreign) return plainError(403, "origin_not_allowed");
      if (verb === "OPTIONS") {
        // CORS preflight is never gated by auth (pitfall 15).
        return new LiteResponse(
          204,
          {
            ...corsFor(origin),
            "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
            // MCP 2026-07-28 clients also mirror tool arguments into `Mcp-Param-{Name}` headers: those asked for are allowed.
            "access-control-allow-headers": `Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID${(req.headers.get("access-control-request-headers")?.match(/(?<![\w-])mcp-param-[\w.-]+/gi) ?? []).map((h) => `, ${h}`).join("")}`,
            "access-control-max-age": "600",
          },
          null,
        );
      }
      // The edge's own refusals below carry CORS headers for an allowed Origin, so a browser client can read them.
      if (!known) {
        return plainError(405, "method_not_allowed", { allow: "GET, POST, DELETE, OPTIONS", ...corsFor(origin) });
      }
      const body = preread !== null ? preread : await readBody(req);
      if (body instanceof LiteResponse) {
        // A foreign Origin still gets its 403 (RS-23), also when its body was too large to read.
        if (foreign) return plainError(403, "origin_not_allowed", { connection: "close" });
        Object.assign(body.headers, corsFor(origin));
        return body;
      }
      const d = await authorizer.decide(s, req, body, ctx);
      // Observe mode: what the policy refuses is forwarded anyway, with no identity assertion (no
      // principal was established), and audited as `would: "deny"` by the authorizer.
      if (!d.allow && !d.observed) return d.response;
      // The decision checked the Origin (in every mode): from here on it is absent or allowed.
      const cors = corsFor(origin);
      const upstream = s.config.upstream;
      if (!upstream) {
        log({ level: "error", event: "no_upstream", server: s.config.server });
        return plainError(501, "no_upstream_configured", cors);
      }
      const mode = s.config.upstreamAssertion;
      // A per-request signature is a string; only a batched one is awaited (no extra microtask per request).
      let assertion =
        !d.allow || mode === "none"
          ? undefined
          : (mode === "batched" ? getBatcher() : getSigner()).sign(
              assertionClaims({ issuer: s.config.resource, audience: upstream, server: s.config.server, principal: d.principal, httpMethod: req.method, calls: d.calls, body, scopes: d.scopes }),
              Math.floor(now() / 1000),
              options.assertionLifetimeSeconds ?? 60,
            );
      if (typeof assertion === "object") assertion = await assertion;
      const server = s.config.server;
      try {
        const res = await forward({ upstream, req, incoming: url, body, assertion, sourceIp: ctx.sourceIp, allow: forwardAllow.get(s)!, cors, forwarder }, (reason, status) =>
          log({ level: status >= 500 ? "error" : "warn", event: reason, server, status }),
        );
        if (d.allow) trackSession(s, d, req.method, res);
        // Per-caller lists (filterLists): only what this token can use, marked private to the caller.
        if (d.allow && s.config.filterLists === true && d.calls.length === 1 && LIST_METHODS.has(d.calls[0]!.method)) {
          return await filterListResponse(res, d.calls[0]!.method, s.config, s.ops, d.granted, cors);
        }
        return res;
      } catch (e) {
        log({ level: "error", event: "upstream_unreachable", server: s.config.server, detail: e instanceof Error ? e.message : String(e) });
        return plainError(502, "upstream_unreachable", cors);
      }
    } catch (e) {
      log({ level: "error", event: "internal_error", detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return plainError(500, "internal_error");
    }
  }

  /**
   * Session binding (sessions.ts): the id the upstream answers `initialize` with belongs to the
   * caller; a session ended by DELETE, or one the upstream no longer knows (404), is forgotten.
   */
  function trackSession(s: ServerRuntime, d: Extract<Decision, { allow: true }>, method: string, res: EdgeResponse): void {
    const ok = res.status >= 200 && res.status < 300;
    if (d.session !== undefined && (res.status === 404 || (method === "DELETE" && ok))) authorizer.dropSession(s, d.session);
    if (!ok || !d.calls.some((c) => c.method === "initialize")) return;
    const id = headerPairsOf(res).find(([k]) => k === "mcp-session-id")?.[1];
    if (id !== undefined && id.length > 0) authorizer.bindSession(s, id, d.principal, now());
  }

  return {
    handle: async (req, ctx) => (fetchApi?.asResponse ?? noFetchApi)(await handleLite(req, ctx)),
    handleLite,
    authorize: fetchApi ? fetchApi.authorize({ runtimes, byPath, readBody, authorizer }) : noFetchApi,
    configs: list,
    get assertionJwks() {
      return edgeJwks();
    },
    async warm() {
      await Promise.all(runtimes.filter((r) => r.keys.size === 0).map((r) => r.keys.refresh()));
    },
    afterResponse: () => audit.drain(now()),
    flush: () => audit.flush(now()),
  };
}
