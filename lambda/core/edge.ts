import type { JsonWebKey, KeyObject } from "node:crypto";
import { parseEdgeConfig, type EdgeConfig } from "../config.js";
import { createAssertionSigner, type AssertionSigner } from "./assertion.js";
import { AuditChain, ParamHasher, type AuditRecord, type ParamMode } from "./audit.js";
import type { CheckpointOptions } from "./checkpoint.js";
import { Authorizer, type Decision, type LogEntry, type Principal, type RequestContext } from "./authorize.js";
import { corsFor, plainError } from "./challenge.js";
import { forward } from "./forward.js";
import { LiteResponse, toResponse, type EdgeRequest, type EdgeResponse } from "./http.js";
import { metadataResponse, WELL_KNOWN_PRM } from "./metadata.js";
import { isoTime } from "./time.js";
import { buildRuntime, type ServerRuntime } from "./server.js";

export type { Decision, LogEntry, Principal, RequestContext } from "./authorize.js";
export type { EdgeRequest, EdgeResponse } from "./http.js";

/** Largest request body the edge reads, bytes (MCP JSON-RPC messages are small). */
export const MAX_BODY_BYTES = 1_048_576;
/** Path of the edge's public assertion keys (what upstreams verify the identity assertion with). */
export const EDGE_JWKS_PATH = "/.well-known/mcp-edge-jwks.json";

/** Options of `createEdge`. */
export interface EdgeOptions {
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Used for upstream forwarding, JWKS and introspection. Default global `fetch`. */
  fetch?: typeof fetch;
  /** Receives each audit record. Default: one JSON line on stdout. */
  audit?: (record: AuditRecord, line: string) => void;
  /** Operator log (never tokens). Default: one JSON line on stderr for warn/error, silent for info. */
  log?: (entry: LogEntry) => void;
  /** Extra unauthenticated routes, consulted after metadata and before the auth gate; first non-undefined wins. */
  routes?: Array<(req: Request) => Promise<Response | undefined>>;
  /**
   * Private key (JWK or KeyObject: RSA, EC P-256/P-384, Ed25519) signing the upstream identity
   * assertion. Without it an ephemeral ES256 key is generated per process (its public key is served
   * at `/.well-known/mcp-edge-jwks.json`); a config with `upstreamAssertion: "none"` sends none.
   */
  assertionKey?: JsonWebKey | KeyObject;
  /** Lifetime of the identity assertion, seconds. Default 60. */
  assertionLifetimeSeconds?: number;
  /** Looks up the introspection client secret by env var name. Default `process.env`. */
  secrets?: (envName: string) => string | undefined;
  /** Verified-token cache, per server: entries (default 1000; 0 disables) and TTL in ms (default 60000). */
  tokenCache?: { max?: number; ttlMs?: number };
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
  authorize(req: EdgeRequest, ctx?: RequestContext): Promise<{ allow: true; principal: Principal; scopes: string[] } | Denial>;
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

function isFetchRequest(r: EdgeRequest): r is Request {
  return typeof (r as Request).clone === "function";
}
function headerPairs(r: EdgeRequest): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  r.headers.forEach((v, k) => out.push([k, v]));
  return out;
}

/**
 * Writes one line to fd 1 or 2 synchronously: no stream set-up on a cold start, and nothing left
 * buffered when Lambda freezes the process after the response (stdio pipes are synchronous on
 * Linux anyway). Falls back to the process streams.
 */
function writeLine(fd: 1 | 2, line: string): void {
  try {
    const fs = (process as unknown as { getBuiltinModule(id: string): typeof import("node:fs") }).getBuiltinModule("node:fs");
    fs.writeSync(fd, `${line}\n`);
  } catch {
    (fd === 1 ? process.stdout : process.stderr).write(`${line}\n`);
  }
}

const defaultLog = (e: LogEntry) => {
  if (e.level !== "info") writeLine(2, JSON.stringify({ ...e, ts: isoTime(Date.now()) }));
};

/**
 * Creates the edge for one or more MCP servers. Configs are validated (zod) here, once: a bad
 * config throws `EdgeConfigError` naming the field, so a cold start fails loudly.
 */
export function createEdge(configs: EdgeConfig | EdgeConfig[], options: EdgeOptions = {}): Edge {
  const list = (Array.isArray(configs) ? configs : [configs]).map((c) => parseEdgeConfig(c));
  if (list.length === 0) throw new Error("createEdge: at least one edge config is required");
  const now = options.now ?? Date.now;
  // Resolved per call: touching the global loads the Fetch implementation, which a cold start avoids.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const log = options.log ?? defaultLog;
  const sink = options.audit ?? ((_r: AuditRecord, line: string) => writeLine(1, line));
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
  const audit = new AuditChain((line, rec) => sink(rec, line), {
    chain: options.auditChainId,
    checkpoints: options.checkpoints,
    defer: options.deferAudit,
    onError: (e) => log({ level: "error", event: "audit_checkpoint_failed", detail: e instanceof Error ? e.message : String(e) }),
  });
  const paramMode = (options.auditParams ?? "hash") === "hash" ? new ParamHasher(options.auditHmacKey, { deferred: options.deferAudit === true }) : options.auditParams!;
  const cache = { max: options.tokenCache?.max ?? 1000, ttlMs: options.tokenCache?.ttlMs ?? 60_000 };
  const authorizer = new Authorizer({ now, cache, audit, log, paramMode });
  // A given key is imported now (a bad key fails the cold start); an ephemeral one only when first needed.
  let signer: AssertionSigner | undefined = options.assertionKey ? createAssertionSigner(options.assertionKey) : undefined;
  const getSigner = (): AssertionSigner => {
    if (signer) return signer;
    signer = createAssertionSigner();
    log({ level: "warn", event: "ephemeral_assertion_key", detail: "no assertionKey given; upstreams must fetch the edge JWKS after each restart" });
    return signer;
  };
  const edgeJwks = () => getSigner().jwks;

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

  async function readBody(req: EdgeRequest): Promise<string | undefined | LiteResponse> {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "DELETE" || req.body === null || req.body === undefined) return undefined;
    const len = Number(req.headers.get("content-length") ?? "0");
    if (len > MAX_BODY_BYTES) return plainError(413, "request_too_large");
    const text = await req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) return plainError(413, "request_too_large");
    return text;
  }

  function serverFor(url: URL): ServerRuntime | undefined {
    return byPath(url.pathname, url.host.toLowerCase(), (r) => r.path) ?? (runtimes.length === 1 ? runtimes[0] : undefined);
  }

  const denial = (lite: LiteResponse): Denial => {
    let r: Response | undefined;
    return {
      allow: false,
      lite,
      get response() {
        return (r ??= toResponse(lite));
      },
    };
  };

  async function authorize(req: EdgeRequest, ctx: RequestContext = {}) {
    const url = new URL(req.url);
    const s = serverFor(url);
    if (!s) return denial(plainError(404, "not_found"));
    const body = await readBody(req);
    if (body instanceof LiteResponse) return denial(body);
    const d: Decision = await authorizer.decide(s, req, body, ctx);
    return d.allow ? { allow: true as const, principal: d.principal, scopes: d.scopes } : denial(d.response);
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
      for (const route of options.routes ?? []) {
        const r = await route(isFetchRequest(req) ? req : new Request(req.url, { method: req.method, headers: headerPairs(req), ...(req.body ? { body: await req.text() } : {}) }));
        if (r) return r;
      }
      const s = byPath(path, host, (r) => r.path);
      if (!s) return plainError(404, "not_found");
      const origin = req.headers.get("origin");
      if (req.method === "OPTIONS") {
        // CORS preflight is never gated by auth (pitfall 15), but a foreign Origin still gets 403 (RS-23).
        if (origin !== null && !s.origins.has(origin)) return plainError(403, "origin_not_allowed");
        return new LiteResponse(
          204,
          {
            ...corsFor(origin),
            "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
            "access-control-allow-headers": "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID",
            "access-control-max-age": "600",
          },
          null,
        );
      }
      if (req.method !== "POST" && req.method !== "GET" && req.method !== "DELETE") {
        return plainError(405, "method_not_allowed", { allow: "GET, POST, DELETE, OPTIONS" });
      }
      const body = await readBody(req);
      if (body instanceof LiteResponse) return body;
      const d = await authorizer.decide(s, req, body, ctx);
      if (!d.allow) return d.response;
      const upstream = s.config.upstream;
      if (!upstream) {
        log({ level: "error", event: "no_upstream", server: s.config.server });
        return plainError(501, "no_upstream_configured");
      }
      const nowSec = Math.floor(now() / 1000);
      const p = d.principal;
      const assertion =
        s.config.upstreamAssertion === "none"
          ? undefined
          : getSigner().sign(
              {
                iss: s.config.resource,
                aud: upstream,
                sub: p.sub,
                client_id: p.clientId,
                ...(p.agent ? { act: { sub: p.agent } } : {}),
                ...(p.tenant ? { tenant: p.tenant } : {}),
                scope: p.scopes.join(" "),
                mcp_server: s.config.server,
              },
              nowSec,
              options.assertionLifetimeSeconds ?? 60,
            );
      try {
        return await forward({ upstream, req, body, assertion, sourceIp: ctx.sourceIp, cors: corsFor(origin), fetchImpl, signal: req.signal });
      } catch (e) {
        log({ level: "error", event: "upstream_unreachable", server: s.config.server, detail: e instanceof Error ? e.message : String(e) });
        return plainError(502, "upstream_unreachable");
      }
    } catch (e) {
      log({ level: "error", event: "internal_error", detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return plainError(500, "internal_error");
    }
  }

  return {
    handle: async (req, ctx) => toResponse(await handleLite(req, ctx)),
    handleLite,
    authorize,
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
