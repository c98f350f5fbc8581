import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import type { EdgeConfig } from "../../lambda/config.js";
import { createEdge } from "../../lambda/core/edge.js";
import { bearer, crmConfig, harness, mint, NOW_MS, parseChallenge, post, RESOURCE, rsaKey, signRaw, startUpstream, type TestKey } from "./helpers.js";

/**
 * The edge checked from the outside against the MCP authorization spec (2025-11-25 and 2026-07-28),
 * the 2026-07-28 Streamable HTTP transport, and the server-side scenarios of
 * modelcontextprotocol/conformance (auth-token-audience, scope-challenge, prm-discovery,
 * prm-resource-validation, www-authenticate-header, unauthorized-response, http-header-validation,
 * stateless). Requests go over node:http to `startLocalEdge`, in front of a real upstream and of a
 * mock authorization server whose JWKS the edge fetches lazily, as the conformance suite sets it up.
 *
 * Spec quotes: modelcontextprotocol/modelcontextprotocol b0f60ba,
 * docs/specification/2026-07-28/basic/{authorization/index.mdx, authorization/authorization-server-discovery.mdx,
 * transports/streamable-http.mdx, index.mdx}, docs/specification/2026-07-28/server/utilities/caching.mdx.
 *
 * Tests marked GAP state what the spec requires and fail against the current edge; each names the
 * smallest fix in its comment.
 */

const V2026 = "2026-07-28";
const V2025 = "2025-11-25";
const AS_KID = "mcp-conformance-mock-as";
/** The mock AS's signing key (published in its JWKS) and a key with the same kid it never published. */
const asKey = rsaKey(AS_KID);
const untrustedKey = rsaKey(AS_KID);

const BASELINE = "mcp:conformance:baseline";
/** conformance src/scenarios/server/scope-challenge.ts (commit 6903523): the fixtures and their scope pairs. */
const FIXTURES = [
  { key: "tool", method: "tools/call", params: { name: "test_simple_text" }, scopes: ["mcp:conformance:tools:call", "mcp:conformance:tools:test_simple_text"] },
  { key: "static-resource", method: "resources/read", params: { uri: "test://static-text" }, scopes: ["mcp:conformance:resources:read", "mcp:conformance:resources:static"] },
  { key: "template-resource", method: "resources/read", params: { uri: "test://template/123/data" }, scopes: ["mcp:conformance:resources:read", "mcp:conformance:resources:template:123"] },
  { key: "prompt", method: "prompts/get", params: { name: "test_simple_prompt" }, scopes: ["mcp:conformance:prompts:get", "mcp:conformance:prompts:test_simple_prompt"] },
] as const;
const ALL_SCOPES = [...new Set(FIXTURES.flatMap((f) => f.scopes))];
/** A broader scope implying the tool's pair (scope hierarchy, RS-13). */
const TOOLS_ALL = "mcp:conformance:tools:all";
/** A declared tool whose name is not a plain ASCII header value. */
const NON_ASCII_TOOL = "café_text";

let mockAs: Server;
let issuer: string;
let jwksHits = 0;
let upstream: Server;
let upstreamUrl: string;
let edge: LocalEdge;
/** The MCP endpoint the edge serves: the conformance CLI's `--url`, and the token audience. */
let serverUrl: string;
const seen: Array<{ method: string | undefined; headers: IncomingHttpHeaders; body: string }> = [];
type Route = (req: IncomingMessage, res: ServerResponse, msg: Record<string, unknown>) => boolean;
/** A test may answer some upstream requests itself (returns true when it did). */
let override: Route | undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A small MCP server answering what the scenarios call. */
function mcpAnswer(res: ServerResponse, msg: Record<string, unknown>): void {
  const params = (msg.params ?? {}) as Record<string, unknown>;
  const results: Record<string, unknown> = {
    initialize: { protocolVersion: V2025, capabilities: { tools: {} }, serverInfo: { name: "upstream", version: "1" } },
    "server/discover": { resultType: "complete", supportedVersions: [V2026], capabilities: { tools: {} }, ttlMs: 0, cacheScope: "public" },
    "tools/list": { resultType: "complete", tools: [{ name: "test_simple_text", inputSchema: { type: "object" } }, { name: "undeclared_tool", inputSchema: { type: "object" } }], ttlMs: 60_000, cacheScope: "public" },
    "tools/call": { resultType: "complete", content: [{ type: "text", text: `called ${String(params.name)}` }] },
    "resources/read": { resultType: "complete", contents: [{ uri: params.uri, text: `data of ${String(params.uri)} 123` }], ttlMs: 0, cacheScope: "private" },
    "prompts/get": { resultType: "complete", messages: [{ role: "user", content: { type: "text", text: "hello" } }] },
  };
  const method = typeof msg.method === "string" ? msg.method : "";
  if (!Object.hasOwn(msg, "id")) {
    res.writeHead(202).end();
    return;
  }
  if (!Object.hasOwn(results, method)) {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } }));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: results[method] }));
}

beforeAll(async () => {
  // The conformance mock authorization server (auth-token-audience.ts): RFC 8414 metadata and a JWKS.
  mockAs = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/.well-known/oauth-authorization-server") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/.well-known/jwks.json`, response_types_supported: ["code"], code_challenge_methods_supported: ["S256"] }),
      );
      return;
    }
    if (path === "/.well-known/jwks.json") {
      jwksHits++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [asKey.jwk] }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
  });
  await new Promise<void>((r) => mockAs.listen(0, "127.0.0.1", () => r()));
  issuer = `http://127.0.0.1:${(mockAs.address() as AddressInfo).port}`;

  ({ server: upstream, url: upstreamUrl } = await startUpstream((req, res, body) => {
    let msg: Record<string, unknown> = {};
    try {
      msg = JSON.parse(body || "{}") as Record<string, unknown>;
    } catch {
      // not JSON: answered as an unknown method
    }
    seen.push({ method: typeof msg.method === "string" ? msg.method : undefined, headers: req.headers, body });
    if (override?.(req, res, msg)) return;
    mcpAnswer(res, msg);
  }));

  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}/mcp`;
  const { jwks: _snapshot, ...base } = crmConfig([asKey]);
  const scope = (grants: string[] = []) => ({ sensitivity: "routine" as const, grants });
  const config: EdgeConfig = {
    ...base,
    server: "conformance",
    resource: serverUrl,
    resourceName: "Conformance fixture",
    authorizationServers: [issuer],
    issuers: [issuer],
    // No snapshot: the JWKS is fetched when a token first needs it (the scenario's setup contract).
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audiences: [serverUrl],
    tokenTypes: ["at+jwt"],
    allowedOrigins: [],
    scopesSupported: [BASELINE],
    scopes: {
      [BASELINE]: scope([BASELINE]),
      ...Object.fromEntries(ALL_SCOPES.map((s) => [s, scope([s])])),
      [TOOLS_ALL]: scope([TOOLS_ALL, "mcp:conformance:tools:call", "mcp:conformance:tools:test_simple_text"]),
    },
    operations: {
      tools: {
        test_simple_text: { scopes: [...FIXTURES[0].scopes], sensitivity: "routine" },
        [NON_ASCII_TOOL]: { scopes: ["mcp:conformance:tools:call"], sensitivity: "routine" },
      },
      resources: {
        "test://static-text": { scopes: [...FIXTURES[1].scopes], sensitivity: "routine" },
        "test://template/123/data": { scopes: [...FIXTURES[2].scopes], sensitivity: "routine" },
      },
      prompts: { test_simple_prompt: { scopes: [...FIXTURES[3].scopes], sensitivity: "routine" } },
    },
    upstream: upstreamUrl,
    filterLists: true,
  };
  edge = await startLocalEdge({ configs: [config], port, audit: () => undefined, log: () => undefined });
});

afterAll(async () => {
  await edge?.close();
  for (const s of [upstream, mockAs]) {
    s?.closeAllConnections();
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  }
});

/** An access token from the mock AS, on the real clock (the edge runs on `Date.now`). */
function asToken(k: TestKey, o: { aud?: string | undefined; expiresIn?: number; scope?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = o.expiresIn ?? 300;
  const payload: Record<string, unknown> = {
    client_id: "mcp-conformance-client",
    iss: issuer,
    sub: "mcp-conformance-user",
    jti: randomUUID(),
    // As the scenario mints them: an expired token was issued an hour before it expired.
    iat: expiresIn < 0 ? now + expiresIn - 3600 : now,
    exp: now + expiresIn,
  };
  if (o.aud !== undefined) payload.aud = o.aud;
  if (o.scope !== undefined) payload.scope = o.scope;
  const token = signRaw(JSON.stringify({ alg: "RS256", kid: AS_KID, typ: "at+jwt" }), JSON.stringify(payload), k);
  issued.add(token);
  return token;
}
/** Every client token this file sent (none may reach the upstream). */
const issued = new Set<string>();
const fullToken = () => asToken(asKey, { aud: serverUrl, scope: [BASELINE, ...ALL_SCOPES].join(" ") });
const lowToken = () => asToken(asKey, { aud: serverUrl, scope: BASELINE });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): Record<string, any>;
}

/**
 * A raw node:http request (header names and values exactly as given). The body goes as bytes, so node
 * writes the header block on its own in latin1 (with a string body it would encode the headers as UTF-8
 * together with the body).
 */
function send(o: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  const u = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: o.path ?? u.pathname, method: o.method ?? "POST", headers: o.headers ?? {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> }));
    });
    req.on("error", reject);
    req.end(o.body === undefined ? undefined : Buffer.from(o.body, "utf8"));
  });
}

/** conformance src/connection/stateless.ts `withRequestMeta`: the `_meta` every 2026-07-28 request carries. */
function withMeta(params: Record<string, unknown> = {}, version = V2026): Record<string, unknown> {
  return { ...params, _meta: { "io.modelcontextprotocol/protocolVersion": version, "io.modelcontextprotocol/clientInfo": { name: "conformance-test-client", version: "1.0.0" }, "io.modelcontextprotocol/clientCapabilities": {} } };
}

/** conformance `buildStandardHeaders`: Content-Type, Accept, MCP-Protocol-Version, Mcp-Method and (when the method has one) Mcp-Name. */
function standardHeaders(method: string, params: Record<string, unknown> = {}, version = V2026, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": version, "Mcp-Method": method };
  const name = method === "tools/call" || method === "prompts/get" ? params.name : method === "resources/read" ? params.uri : undefined;
  if (typeof name === "string") h["Mcp-Name"] = name;
  return { ...h, ...extra };
}

/** A conformant request (standard headers, `_meta` for 2026-07-28) with the given token. */
function rpc(method: string, params: Record<string, unknown>, o: { token?: string; version?: string; id?: number | string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const version = o.version ?? V2026;
  const body = { jsonrpc: "2.0", id: o.id ?? 1, method, params: version >= V2026 ? withMeta(params, version) : params };
  const auth: Record<string, string> = o.token !== undefined ? { Authorization: `Bearer ${o.token}` } : {};
  return send({ headers: standardHeaders(method, params, version, { ...auth, ...o.headers }), body: JSON.stringify(body) });
}

/** The JSON-RPC error of a reply, if its body is one. */
function rpcError(r: Reply): { code: number; message: string } | undefined {
  try {
    return r.json().error as { code: number; message: string } | undefined;
  } catch {
    return undefined;
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// conformance: auth-token-audience (branch claude/issue-78-token-audience-validation, 2ce0024)
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("conformance auth-token-audience: token validation and audience (RS-14, RS-15, RS-16, RS-18)", () => {
  // "MCP servers MUST validate access tokens before processing the request"; "MCP servers MUST validate
  // that access tokens were issued specifically for them as the intended audience"; "Invalid or expired
  // tokens MUST receive a HTTP 401 response." (A2607 "Token Handling"). The scenario's mock AS only runs
  // while the scenario does, so the edge must fetch the issuer's JWKS lazily.
  it("fetches the JWKS only when a token needs it, accepts the valid token and answers 401 to no, wrong-audience, audience-less, expired and untrusted tokens (2025-11-25 and 2026-07-28)", async () => {
    expect(jwksHits).toBe(0);
    const probe = (version: string, token?: string) =>
      version === V2026
        ? rpc("server/discover", {}, { token, version })
        : rpc("initialize", { protocolVersion: version, capabilities: {}, clientInfo: { name: "conformance-token-audience-test", version: "1.0.0" } }, { token, version });
    for (const version of [V2025, V2026]) {
      const statuses = {
        unauthenticated: (await probe(version)).status,
        valid: (await probe(version, asToken(asKey, { aud: serverUrl }))).status,
        wrongAudience: (await probe(version, asToken(asKey, { aud: "https://another-resource.example.com/mcp" }))).status,
        missingAudience: (await probe(version, asToken(asKey, {}))).status,
        expired: (await probe(version, asToken(asKey, { aud: serverUrl, expiresIn: -600 }))).status,
        untrusted: (await probe(version, asToken(untrustedKey, { aud: serverUrl }))).status,
      };
      expect(statuses, version).toEqual({ unauthenticated: 401, valid: 200, wrongAudience: 401, missingAudience: 401, expired: 401, untrusted: 401 });
    }
    expect(jwksHits).toBeGreaterThan(0);
  });

  it("answers every refused token with a Bearer invalid_token challenge and never forwards it (RS-16: MUST NOT accept or transit any other tokens)", async () => {
    const before = seen.length;
    for (const token of [asToken(asKey, { aud: "https://another-resource.example.com/mcp" }), asToken(asKey, { aud: serverUrl, expiresIn: -600 }), asToken(untrustedKey, { aud: serverUrl }), "not-a-jwt"]) {
      const r = await rpc("server/discover", {}, { token });
      expect(r.status).toBe(401);
      const c = parseChallenge(r.headers["www-authenticate"] as string);
      expect(r.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(c.error).toBe("invalid_token");
      expect(c.resource_metadata).toBe(`${new URL(serverUrl).origin}/.well-known/oauth-protected-resource/mcp`);
    }
    expect(seen.length).toBe(before);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// conformance: prm-discovery, prm-resource-validation (d4db6e7); RS-1..RS-7
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("conformance prm-discovery and prm-resource-validation (RS-1, RS-2, RS-4, RS-5, RS-7)", () => {
  // D2607: "The Protected Resource Metadata document returned by the MCP server MUST include the
  // `authorization_servers` field containing at least one authorization server"; clients "MUST fall
  // back to constructing and requesting the well-known URIs in the order listed above" (path, then root).
  // RFC 9728 §3.2: 200 and application/json; §3.3: `resource` identical to the URL the client used.
  it("serves the document at the path-suffixed well-known URI first and at the root, with resource equal to the server URL and a non-empty authorization_servers", async () => {
    const origin = new URL(serverUrl).origin;
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const r = await send({ method: "GET", path, headers: { Accept: "application/json" } });
      expect(r.status, path).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      const prm = r.json();
      expect(prm.resource).toBe(serverUrl);
      expect(new URL(prm.resource as string).hash).toBe("");
      expect(Array.isArray(prm.authorization_servers) && prm.authorization_servers.length > 0).toBe(true);
      for (const a of prm.authorization_servers as string[]) expect(URL.canParse(a)).toBe(true);
      expect(prm.authorization_servers).toEqual([issuer]);
      expect(prm.scopes_supported).toEqual([BASELINE]);
      expect(new URL(prm.resource as string).origin).toBe(origin);
    }
  });

  it("points the 401 challenge's resource_metadata at a document whose resource is the URL the client called (RFC 9728 §5.1, §3.3)", async () => {
    const r = await rpc("server/discover", {});
    expect(r.status).toBe(401);
    const c = parseChallenge(r.headers["www-authenticate"] as string);
    const meta = new URL(c.resource_metadata!);
    const doc = await send({ method: "GET", path: meta.pathname, headers: { Accept: "application/json" } });
    expect(doc.status).toBe(200);
    expect(doc.json().resource).toBe(serverUrl);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// conformance: www-authenticate-header, unauthorized-response (d4db6e7); RS-3, RS-8, RS-19
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("conformance www-authenticate-header and unauthorized-response (RS-3, RS-8, RS-10, RS-19)", () => {
  // The scenarios POST with `Accept: application/json` only and no MCP headers (authFetch).
  // D2607: "Include the resource metadata URL in the WWW-Authenticate HTTP header under
  // resource_metadata when returning 401 Unauthorized responses"; A2607: "MCP servers SHOULD include a
  // scope parameter in the WWW-Authenticate header"; RFC 6750 §3.1: no error code without a token.
  it("answers an unauthenticated tools/list or initialize with 401, a Bearer challenge carrying resource_metadata and well-formed scope tokens, no error code, and a JSON body", async () => {
    const bodies = [
      { jsonrpc: "2.0", method: "tools/list", params: {}, id: 1 },
      { jsonrpc: "2.0", method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "conformance-auth-test", version: "1.0.0" } }, id: 1 },
    ];
    for (const body of bodies) {
      const r = await send({ headers: { Accept: "application/json", "Content-Type": "application/json" }, body: JSON.stringify(body) });
      expect(r.status, body.method).toBe(401);
      const header = r.headers["www-authenticate"] as string;
      expect(header.split(" ")[0]!.toLowerCase()).toBe("bearer");
      const c = parseChallenge(header);
      expect(URL.canParse(c.resource_metadata!)).toBe(true);
      expect(c.error).toBeUndefined();
      const scopes = c.scope!.split(" ").filter(Boolean);
      expect(scopes.length).toBeGreaterThan(0);
      for (const s of scopes) expect(s).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
      expect(scopes).not.toContain("offline_access");
      expect(typeof r.json()).toBe("object");
    }
  });

  it("uses only the RFC 6750 error codes in its challenges: invalid_request (400), invalid_token (401), insufficient_scope (403)", async () => {
    const cases: Array<[string, Promise<Reply>, number, string]> = [
      ["token in the query", send({ path: `/mcp?access_token=${lowToken()}`, headers: standardHeaders("server/discover"), body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: withMeta() }) }), 400, "invalid_request"],
      ["invalid token", rpc("server/discover", {}, { token: asToken(untrustedKey, { aud: serverUrl }) }), 401, "invalid_token"],
      ["insufficient scope", rpc("tools/call", { name: "test_simple_text", arguments: {} }, { token: lowToken() }), 403, "insufficient_scope"],
    ];
    for (const [what, pending, status, error] of cases) {
      const r = await pending;
      expect(r.status, what).toBe(status);
      expect(r.headers["www-authenticate"], what).toMatch(/^Bearer /);
      expect(parseChallenge(r.headers["www-authenticate"] as string).error, what).toBe(error);
    }
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// conformance: sep-2350-server-scope-challenge (scope-challenge.ts, 6903523); RS-11..RS-13
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("conformance scope-challenge (RS-11, RS-12, RS-13)", () => {
  // A2607 "Runtime Insufficient Scope Errors": 403, `error="insufficient_scope"`, `scope`, and
  // `resource_metadata`; "servers SHOULD include all scopes required for the current operation in a
  // single challenge"; and the upgraded retry succeeds.
  for (const f of FIXTURES) {
    it(`${f.key}: an under-scoped token gets one 403 insufficient_scope challenge naming both scopes and a same-origin resource_metadata, and the full token then succeeds`, async () => {
      const before = seen.length;
      const low = await rpc(f.method, f.params, { token: lowToken(), id: `scope-challenge-${f.key}` });
      expect(low.status).toBe(403);
      const c = parseChallenge(low.headers["www-authenticate"] as string);
      expect(c.error).toBe("insufficient_scope");
      const meta = new URL(c.resource_metadata!);
      expect(meta.username + meta.password + meta.hash).toBe("");
      expect(meta.origin).toBe(new URL(serverUrl).origin); // same-origin HTTP fixture (https otherwise)
      expect(c.scope!.split(" ").sort()).toEqual([...f.scopes].sort());
      expect(seen.length).toBe(before);

      const full = await rpc(f.method, f.params, { token: fullToken() });
      expect(full.status).toBe(200);
      const body = full.json();
      expect(body.error).toBeUndefined();
      expect(body.result).toBeDefined();
      expect(seen.at(-1)!.method).toBe(f.method);
    });
  }

  // A2607: "Servers MUST account for scope hierarchies, where a broader scope implies narrower ones,
  // when deciding whether a token is sufficient for an operation."
  it("accepts a token whose broader scope implies both scopes of the tool's pair (MUST, scope hierarchies)", async () => {
    const r = await rpc("tools/call", { name: "test_simple_text", arguments: {} }, { token: asToken(asKey, { aud: serverUrl, scope: TOOLS_ALL }) });
    expect(r.status).toBe(200);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// 2026-07-28 Streamable HTTP: request metadata headers (conformance http-standard-headers.ts)
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("2026-07-28 transport: conformance http-header-validation through the edge (RS-24)", () => {
  // H2607 "Server Validation": "Servers that process the request body MUST reject requests where the
  // values specified in the headers do not match the corresponding values in the request body" with 400
  // and -32020; "A required standard header (MCP-Protocol-Version, Mcp-Method, Mcp-Name) is missing" is
  // a validation failure; "Clients and servers MUST use case-insensitive comparisons for header names.
  // Header values (such as method names) are case-sensitive." RFC 9110 §5.5: OWS around values is not
  // part of the value.
  it("rejects mismatched, missing and case-changed Mcp-Method/Mcp-Name with 400 and -32020, and accepts header names in any case and values with surrounding whitespace", async () => {
    const token = fullToken();
    const base = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": V2026, Authorization: `Bearer ${token}` };
    const list = { jsonrpc: "2.0", method: "tools/list", params: withMeta() };
    const toolCall = { jsonrpc: "2.0", method: "tools/call", params: withMeta({ name: "test_simple_text", arguments: {} }) };
    const cases: Array<[string, "accept" | "reject", object, Record<string, string>]> = [
      ["ServerRejectsMismatchedMethodHeader", "reject", list, { "Mcp-Method": "prompts/list" }],
      ["ServerRejectsMissingMethodHeader", "reject", list, {}],
      ["ServerRejectsMismatchedNameHeader", "reject", toolCall, { "Mcp-Method": "tools/call", "Mcp-Name": "wrong_tool_name" }],
      ["ServerAcceptsWhitespaceHeaderValue", "accept", toolCall, { "Mcp-Method": "tools/call", "Mcp-Name": "  test_simple_text  " }],
      ["ServerRejectsMissingNameHeader", "reject", toolCall, { "Mcp-Method": "tools/call" }],
      ["ServerAcceptsLowercaseHeaderName", "accept", list, { "mcp-method": "tools/list" }],
      ["ServerAcceptsUppercaseHeaderName", "accept", list, { "MCP-METHOD": "tools/list" }],
      ["ServerRejectsCaseMismatchValue", "reject", list, { "Mcp-Method": "TOOLS/LIST" }],
    ];
    let id = 100;
    const outcome: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [name, want, body, headers] of cases) {
      const before = seen.length;
      const r = await send({ headers: { ...base, ...headers }, body: JSON.stringify({ ...body, id: id++ }) });
      const forwarded = seen.length > before;
      const err = rpcError(r);
      outcome[name] = want === "accept" ? `${r.status} ${err ? "error" : "ok"} ${forwarded ? "forwarded" : "held"}` : `${r.status} ${err?.code} ${forwarded ? "forwarded" : "held"}`;
      expected[name] = want === "accept" ? "200 ok forwarded" : "400 -32020 held";
    }
    expect(outcome).toEqual(expected);
  });

  // H2607 "Server Behavior for Custom Headers": "Intermediate servers that do not recognize an
  // Mcp-Param-{Name} header MUST forward it and otherwise ignore it"; the upstream then checks the
  // (decoded) value against the body, so the value must arrive byte-exact, Base64 sentinel included.
  it("forwards Mcp-Param-* headers byte-exact over node:http, plain and =?base64?…?= encoded", async () => {
    const params = { name: "test_simple_text", arguments: { region: "us-west1", greeting: "Hello, 世界" } };
    const encoded = `=?base64?${Buffer.from("Hello, 世界", "utf8").toString("base64")}?=`;
    const r = await send({
      headers: standardHeaders("tools/call", params, V2026, { Authorization: `Bearer ${fullToken()}`, "Mcp-Param-Region": "us-west1", "Mcp-Param-Greeting": encoded }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: withMeta(params) }),
    });
    expect(r.status).toBe(200);
    const h = seen.at(-1)!.headers;
    expect([h["mcp-param-region"], h["mcp-param-greeting"]]).toEqual(["us-west1", encoded]);
  });

  // GAP. H2607 "Value Encoding": "HTTP header field values must consist of visible ASCII characters
  // (0x21-0x7E), space (0x20), and horizontal tab (0x09). When a value cannot be safely represented as
  // a plain ASCII header value … clients MUST use Base64 encoding"; "Server Validation": "Validation
  // failure conditions include: … A header value contains invalid characters." → 400 + -32020.
  // Observed: a raw non-ASCII `Mcp-Name` sent as the obs-text byte 0xE9 (node reads header bytes as
  // latin1: "é") equals the body's name and the call is forwarded, so a component that decodes header
  // bytes otherwise (UTF-8: U+FFFD) and the edge disagree on the tool. (Raw UTF-8 bytes happen to be
  // refused, as a mismatch: latin1 "cafÃ©_text" is not the body's name.) Fix: lambda/core/jsonrpc.ts `decodeHeaderValue` returns `undefined`
  // (→ "header_name_malformed", 400 -32020) for a non-encoded value with a character outside
  // [\t\x20-\x7e].
  it("rejects an Mcp-Name carrying raw non-ASCII bytes instead of the =?base64?…?= form, with 400 and -32020", async () => {
    const before = seen.length;
    const params = { name: NON_ASCII_TOOL, arguments: {} };
    const r = await send({
      headers: standardHeaders("tools/call", params, V2026, { Authorization: `Bearer ${fullToken()}`, "Mcp-Name": NON_ASCII_TOOL }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: withMeta(params) }),
    });
    expect({ status: r.status, code: rpcError(r)?.code, forwarded: seen.length > before }).toEqual({ status: 400, code: -32020, forwarded: false });
  });

  // GAP. H2607 "Protocol Version Header": "The header value MUST match the
  // io.modelcontextprotocol/protocolVersion field carried in the request body's _meta. If the values
  // do not match, the server MUST reject the request with 400 Bad Request and a HeaderMismatch JSON-RPC
  // error"; "Validation failure conditions include: A required standard header (MCP-Protocol-Version,
  // Mcp-Method, Mcp-Name) is missing." Observed: a body announcing 2026-07-28 in `_meta` with no
  // MCP-Protocol-Version header (and so no Mcp-Method either) is treated as a legacy client, skips every
  // header rule, and is forwarded. Fix: lambda/core/jsonrpc.ts `headersMatch`: when `version === null`
  // and a call carries `metaVersion` (only 2026-07-28+ bodies have that `_meta` key), return the
  // mismatch (reason e.g. "header_version_missing").
  it("rejects a body whose _meta announces 2026-07-28 but which carries no MCP-Protocol-Version header, with 400 and -32020", async () => {
    const before = seen.length;
    const r = await send({
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${fullToken()}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 6, method: "tools/list", params: withMeta() }),
    });
    expect({ status: r.status, code: rpcError(r)?.code, forwarded: seen.length > before }).toEqual({ status: 400, code: -32020, forwarded: false });
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// 2026-07-28: JSON-RPC errors the edge answers itself
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("2026-07-28: JSON-RPC error responses the edge writes", () => {
  // GAP. docs/specification/2026-07-28/basic/index.mdx: "Error responses MUST include the same ID as
  // the request they correspond to (except in error cases where the ID could not be read due a
  // malformed request)"; JSON-RPC 2.0 §5: `id` "MUST be the same as the value of the id member in the
  // Request Object" (null only on parse error / invalid request). The transport's -32020 example has
  // `"id": 1`; conformance stateless.ts checks `sep-2575-http-server-error-jsonrpc-id`.
  // Observed: every JSON-RPC error the edge writes has `"id": null` (header mismatch, refused method,
  // undeclared operation, session not found). Fix: lambda/core/jsonrpc.ts `parseCalls` keeps each
  // message's `id` on its `Call`; lambda/core/authorize.ts passes it (single-message bodies) to
  // lambda/core/challenge.ts `jsonRpcError`, which writes it instead of `null`.
  it("echoes the request id in the JSON-RPC errors it answers for a readable request (header mismatch -32020, refused method -32601)", async () => {
    const token = fullToken();
    const mismatch = await rpc("tools/call", { name: "test_simple_text", arguments: {} }, { token, id: 41, headers: { "Mcp-Name": "other_tool" } });
    const refused = await rpc("logging/setLevel", { level: "debug" }, { token, id: "req-42" });
    expect({ mismatch: [rpcError(mismatch)?.code, mismatch.json().id], refused: [rpcError(refused)?.code, refused.json().id] }).toEqual({ mismatch: [-32020, 41], refused: [-32601, "req-42"] });
  });

  // GAP. H2607 "Protocol Version Header": "If the server does not implement the requested RPC method,
  // it MUST respond with 404 Not Found and a JSON-RPC error with code -32601 (Method not found)."
  // conformance stateless.ts checks it for `unknown/method` and for the methods 2026-07-28 removed
  // (`logging/setLevel`, …): `sep-2575-http-server-method-not-found-404[-…]`. Behind the edge these
  // methods are never served, but a 2026-07-28 client gets 403 (a status its backward-compatibility
  // logic does not read as "modern server, unknown method"). Fix: lambda/core/authorize.ts, the
  // `r.refused.length > 0` branch: status `modern && !headerOnly ? 404 : 403` (a bodyless authorizer
  // request keeps 403: API Gateway answers 403 for every authorizer denial, and attacks.test.ts expects it).
  it("answers a 2026-07-28 client's unknown or removed method with 404 and -32601", async () => {
    const token = fullToken();
    const before = seen.length;
    const unknown = await rpc("unknown/method", {}, { token, id: 601 });
    const removed = await rpc("logging/setLevel", { level: "debug" }, { token, id: 500 });
    expect({ unknown: [unknown.status, rpcError(unknown)?.code], removed: [removed.status, rpcError(removed)?.code] }).toEqual({ unknown: [404, -32601], removed: [404, -32601] });
    expect(seen.length).toBe(before);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// 2026-07-28: SSE responses and caching hints
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("2026-07-28: SSE response headers and list caching hints", () => {
  // H2607 "Receiving Messages": "When initiating an SSE stream, servers SHOULD include the
  // X-Accel-Buffering: no header in the HTTP response." The edge relays the upstream's stream: the
  // header must survive the hop, including when the edge rewrites a filtered list.
  it("passes the upstream's X-Accel-Buffering: no through on an SSE response, plain and filtered", async () => {
    override = (_req, res, msg) => {
      const method = msg.method as string;
      if (method !== "tools/call" && method !== "tools/list") return false;
      const result = method === "tools/list" ? { resultType: "complete", tools: [{ name: "test_simple_text", inputSchema: { type: "object" } }, { name: "undeclared_tool", inputSchema: { type: "object" } }], ttlMs: 1000, cacheScope: "public" } : { resultType: "complete", content: [{ type: "text", text: "streamed" }] };
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" });
      res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: msg.id, result })}\n\n`);
      return true;
    };
    try {
      const token = fullToken();
      const called = await rpc("tools/call", { name: "test_simple_text", arguments: {} }, { token });
      expect(called.status).toBe(200);
      expect(called.headers["content-type"]).toMatch(/^text\/event-stream/);
      expect(called.headers["x-accel-buffering"]).toBe("no");
      const listed = await rpc("tools/list", {}, { token });
      expect(listed.status).toBe(200);
      expect(listed.headers["x-accel-buffering"]).toBe("no");
      const data = JSON.parse(listed.text.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { result: { tools: Array<{ name: string }>; cacheScope: string; ttlMs: number } };
      expect(data.result.tools.map((t) => t.name)).toEqual(["test_simple_text"]);
      expect(data.result.cacheScope).toBe("private");
      expect(data.result.ttlMs).toBe(1000);
    } finally {
      override = undefined;
    }
  });

  // caching.mdx: "Servers MUST include caching hints on results … returned by … tools/list";
  // "Servers MUST provide a ttlMs value that is >= 0"; `"private"` "is appropriate for … filtered list
  // results that vary per user". A filtered result is written by the edge.
  it("gives a filtered list result without ttlMs the value 0 and marks it private (2026-07-28 caching)", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { resultType: "complete", tools: [{ name: "list_customers", inputSchema: { type: "object" } }] } });
    const e = createEdge(crmConfig([listKey], { filterLists: true }), { now: () => NOW_MS, audit: () => undefined, log: () => undefined, fetch: async () => new Response(body, { headers: { "content-type": "application/json" } }) });
    const res = await e.handle(listRequest());
    expect(res.status).toBe(200);
    const r = ((await res.json()) as { result: { ttlMs: unknown; cacheScope: unknown } }).result;
    expect({ ttlMs: r.ttlMs, cacheScope: r.cacheScope }).toEqual({ ttlMs: 0, cacheScope: "private" });
  });

  // GAP (minor: the upstream broke the rule first). caching.mdx: "Servers MUST provide a ttlMs value
  // that is >= 0." Observed: a filtered (edge-written) list keeps an upstream's negative ttlMs. Fix:
  // lambda/core/list-filter.ts `filterMessage`: `if (!(typeof r.ttlMs === "number" && r.ttlMs >= 0)) r.ttlMs = 0`.
  it("never writes a negative ttlMs into a filtered list result", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { resultType: "complete", tools: [{ name: "list_customers", inputSchema: { type: "object" } }], ttlMs: -5, cacheScope: "public" } });
    const e = createEdge(crmConfig([listKey], { filterLists: true }), { now: () => NOW_MS, audit: () => undefined, log: () => undefined, fetch: async () => new Response(body, { headers: { "content-type": "application/json" } }) });
    const res = await e.handle(listRequest());
    const r = ((await res.json()) as { result: { ttlMs: number } }).result;
    expect(r.ttlMs).toBeGreaterThanOrEqual(0);
  });
});

const listKey = rsaKey("list");
function listRequest(): Request {
  return post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: withMeta() }, { ...bearer(mint(listKey, { scope: "crm:customers:read" })), "mcp-protocol-version": V2026, "mcp-method": "tools/list" });
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Origin (RS-23), as conformance dns-rebinding.ts probes a loopback server
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("conformance dns-rebinding on a loopback server (RS-23)", () => {
  // H2607 "Security & Endpoint": "Servers MUST validate the Origin header on all incoming connections
  // to prevent DNS rebinding attacks. If the Origin header is present and invalid, servers MUST respond
  // with HTTP 403 Forbidden." The scenario sets Host and Origin to the attacker's name, then to the
  // server's own.
  it("refuses Host and Origin naming an attacker with 403 before the upstream, and accepts the server's own Host and Origin", async () => {
    const own = new URL(serverUrl).host;
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: withMeta() });
    const before = seen.length;
    const evil = await send({ headers: standardHeaders("server/discover", {}, V2026, { Authorization: `Bearer ${fullToken()}`, Host: "evil.example.com", Origin: "http://evil.example.com" }), body });
    expect(evil.status).toBe(403);
    expect(seen.length).toBe(before);
    const ok = await send({ headers: standardHeaders("server/discover", {}, V2026, { Authorization: `Bearer ${fullToken()}`, Host: own, Origin: `http://${own}` }), body });
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe(`http://${own}`);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Canonical server URI (RS-6)
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("canonical server URI (RS-6)", () => {
  // GAP (SHOULD). A2607 "Canonical Server URI": "While the canonical form uses lowercase scheme and host
  // components, implementations SHOULD accept uppercase scheme and host components for robustness and
  // interoperability." An AS that copies the client's `resource` into `aud` issues
  // `HTTPS://MCP.EXAMPLE.COM/crm` for this server. Observed: 401 invalid_token (aud_mismatch; exact
  // string compare). Fix: lambda/core/claims.ts `checkStaticClaims`: compare `aud` values after
  // lowercasing the scheme and host of an http(s) URI (precompute the lowered audiences in
  // lambda/core/server.ts `buildRuntime`). Lowercase only scheme and host: the path stays exact
  // (differential.test.ts generates a fully uppercased aud, which must stay refused).
  it("accepts a token whose aud names this resource with an uppercase scheme and host", async () => {
    const k = rsaKey("canon");
    const { edge: e } = harness([crmConfig([k])]);
    const res = await e.handle(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, bearer(mint(k, { aud: "HTTPS://MCP.EXAMPLE.COM/crm" }))));
    expect(res.status).toBe(200);
    // The path stays case-sensitive: another path is another resource.
    const other = await e.handle(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, bearer(mint(k, { aud: `${RESOURCE.toUpperCase()}` }))));
    expect(other.status).toBe(401);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────
// No token passthrough (RS-17), over everything above
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("no token passthrough (RS-17)", () => {
  // A2607: "MCP servers MUST NOT accept or transit any other tokens"; S2607: "The MCP server MUST NOT
  // pass through the token it received from the MCP client."
  it("never let an Authorization header or a client token reach the upstream in any request of this file", () => {
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.headers.authorization).toBeUndefined();
      const text = JSON.stringify(s.headers) + s.body;
      for (const t of issued) expect(text.includes(t.slice(t.lastIndexOf(".") + 1))).toBe(false);
    }
  });
});
