import { describe, expect, it } from "vitest";
import { createEdge } from "../../lambda/core/edge.js";
import type { EdgeConfig } from "../../lambda/config.js";
import { bearer, call, crmConfig, harness, mint, NOW, NOW_MS, parseChallenge, plan, post, RESOURCE, rsaKey } from "./helpers.js";

/**
 * Behaviour docs/edge.md (and the MCP authorization spec it claims to follow) promises, checked from
 * the outside: status codes, headers, challenges and what reaches the upstream. The figures and
 * lists the doc quotes are checked by test/docs/edge-doc.test.ts; this file checks the behaviour.
 */

const key = rsaKey();
const READ = "crm:customers:read";
const MODERN = "2026-07-28";
/** A token that verifies (signature, iss, aud) but expired 100 s ago, beyond the 30 s leeway. */
const expired = () => mint(key, { scope: READ, iat: NOW - 700, exp: NOW - 100 });

describe("the decision, in order (docs/edge.md)", () => {
  it("answers a request without a token 401 with a challenge naming the basic scopes plus every scope the operation needs, and no error", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(post(call("merge_customers")));
    expect(res.status).toBe(401);
    const c = parseChallenge(res.headers.get("www-authenticate"));
    expect(c.error).toBeUndefined();
    expect(c.resource_metadata).toBe("https://mcp.example.com/.well-known/oauth-protected-resource/crm");
    expect(c.scope!.split(" ").sort()).toEqual(["crm:contacts:read", "crm:customers:merge", "crm:customers:read", "crm:customers:write", "crm:deals:read", "crm:notes:read"]);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers an expired token 401 invalid_token whatever the request asks for (MCP: invalid or expired tokens MUST receive a 401)", async () => {
    const { edge } = harness([crmConfig([key])]);
    const bodies: Array<[string, unknown, Record<string, string>]> = [
      ["a method the edge refuses", { jsonrpc: "2.0", id: 1, method: "logging/setLevel", params: { level: "debug" } }, {}],
      ["an undeclared tool", call("no_such_tool"), {}],
      ["a body that is not JSON", "{", {}],
      ["headers that do not match the body", call("list_customers"), { "mcp-method": "tools/call", "mcp-name": "get_customer" }],
    ];
    const seen: Record<string, number> = {};
    for (const [what, body, headers] of bodies) {
      const res = await edge.handle(post(body, { ...bearer(expired()), ...headers }));
      seen[what] = res.status;
    }
    expect(seen).toEqual(Object.fromEntries(bodies.map(([what]) => [what, 401])));
  });

  it("refuses a foreign Origin with 403 whatever the HTTP method (MCP transports: a present, invalid Origin MUST get 403)", async () => {
    const { edge } = harness([crmConfig([key])]);
    for (const method of ["PUT", "PATCH"]) {
      const res = await edge.handle(new Request(RESOURCE, { method, headers: { origin: "https://evil.example", ...bearer(mint(key)) }, body: "{}" }));
      expect(res.status, method).toBe(403);
    }
  });

  it("answers a CORS preflight 204 without a token, naming the methods, the MCP request headers and a 600 s max age", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request(RESOURCE, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } }));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")!.split(", ").sort()).toEqual(["Accept", "Authorization", "Content-Type", "Last-Event-ID", "Mcp-Method", "Mcp-Name", "Mcp-Protocol-Version", "Mcp-Session-Id"]);
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toBe("Origin");
    expect(audit).toEqual([]);
  });

  it("allows in a preflight the Mcp-Param-* headers the browser asks for (MCP 2026-07-28), and no other header it asks for", async () => {
    const { edge } = harness([crmConfig([key])]);
    const asked = "content-type, Mcp-Param-Customer,mcp-param-region , x-evil, x-mcp-param-sneaky";
    const res = await edge.handle(new Request(RESOURCE, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": asked } }));
    expect(res.status).toBe(204);
    const allowed = res.headers.get("access-control-allow-headers")!.split(", ");
    expect(allowed).toEqual(expect.arrayContaining(["Mcp-Param-Customer", "mcp-param-region", "Content-Type"]));
    expect(allowed.map((h) => h.toLowerCase())).not.toContain("x-evil");
    expect(allowed.map((h) => h.toLowerCase())).not.toContain("x-mcp-param-sneaky");
  });

  it("refuses a foreign Origin with 403 on a preflight too", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request(RESOURCE, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } }));
    expect(res.status).toBe(403);
  });

  it("answers other HTTP methods on the MCP endpoint 405 with Allow: GET, POST, DELETE, OPTIONS", async () => {
    const { edge } = harness([crmConfig([key])]);
    for (const method of ["PUT", "PATCH", "HEAD"]) {
      const res = await edge.handle(new Request(RESOURCE, { method, headers: bearer(mint(key)) }));
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
    }
  });

  it("accepts a token up to the maximum age plus the clock leeway, and refuses it one second later", async () => {
    // routine: 3600 s; clockToleranceSeconds: 30.
    const { edge, audit } = harness([crmConfig([key])]);
    const at = (age: number) => edge.handle(post(call("list_customers"), bearer(mint(key, { iat: NOW - age, exp: NOW + 600 }))));
    expect((await at(3630)).status).toBe(200);
    const res = await at(3631);
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get("www-authenticate")).error).toBe("invalid_token");
    expect(audit.at(-1)?.reason).toBe("token_too_old");
  });

  it("reads scope and scp as a space-separated string or an array of strings", async () => {
    const { edge } = harness([crmConfig([key])]);
    for (const claims of [{ scope: READ }, { scope: [READ] }, { scope: undefined, scp: READ }, { scope: undefined, scp: [READ] }]) {
      expect((await edge.handle(post(call("list_customers"), bearer(mint(key, claims))))).status, JSON.stringify(claims)).toBe(200);
    }
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { scope: [READ, 7] }))))).status).toBe(401);
  });

  it("refuses a bodyless POST from a client announcing an older or no protocol version with 400 and -32020 (audit reason header_version_too_old)", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    for (const version of ["2025-11-25", undefined]) {
      const headers: Record<string, string> = { ...bearer(mint(key)), "mcp-method": "tools/call", "mcp-name": "list_customers", ...(version ? { "mcp-protocol-version": version } : {}) };
      const d = await edge.authorize(new Request(RESOURCE, { method: "POST", headers }));
      expect(d.allow).toBe(false);
      if (d.allow) continue;
      expect(d.response.status).toBe(400);
      expect(((await d.response.json()) as { error: { code: number } }).error.code).toBe(-32020);
      expect(audit.at(-1)?.reason).toBe("header_version_too_old");
    }
  });
});

describe("metadata (docs/edge.md)", () => {
  it("serves the document only at the resource's exact well-known path: a trailing slash or another path is a 404 readable from any origin", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect((await edge.handle(new Request("https://mcp.example.com/.well-known/oauth-protected-resource/crm"))).status).toBe(200);
    for (const path of ["/.well-known/oauth-protected-resource/crm/", "/.well-known/oauth-protected-resource/other"]) {
      const res = await edge.handle(new Request(`https://mcp.example.com${path}`));
      expect(res.status, path).toBe(404);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    }
  });

  it("serves the edge's assertion keys as a JWK set at /.well-known/mcp-edge-jwks.json", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request("https://mcp.example.com/.well-known/mcp-edge-jwks.json"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(typeof keys[0]!.kid).toBe("string");
    expect(keys[0]!.d).toBeUndefined();
  });
});

describe("request bodies (docs/edge.md)", () => {
  it("refuses a declared Content-Length above 1 MiB with 413 request_too_large and Connection: close, before any decision", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const req = { method: "POST", url: RESOURCE, headers: new Headers({ ...bearer(mint(key)), "content-type": "application/json", "content-length": String(2 * 1024 * 1024) }), body: new ReadableStream<Uint8Array>(), text: () => Promise.resolve("") };
    const res = await edge.handle(req);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request_too_large" });
    expect(res.headers.get("connection")).toBe("close");
    expect(audit).toEqual([]);
  });
});

describe("CORS on the edge's own refusals", () => {
  const APP = "https://app.example.com";
  const big = (origin: string) => ({ method: "POST", url: RESOURCE, headers: new Headers({ ...bearer(mint(key)), origin, "content-type": "application/json", "content-length": String(2 * 1024 * 1024) }), body: new ReadableStream<Uint8Array>(), text: () => Promise.resolve("") });

  it("lets a browser on an allowed Origin read a 405, a 413 and a 502 (the refusal carries Access-Control-Allow-Origin)", async () => {
    const { edge } = harness([crmConfig([key])]);
    const put = await edge.handle(new Request(RESOURCE, { method: "PUT", headers: { origin: APP, ...bearer(mint(key)) }, body: "{}" }));
    expect(put.status).toBe(405);
    expect(put.headers.get("access-control-allow-origin")).toBe(APP);
    const large = await edge.handle(big(APP));
    expect(large.status).toBe(413);
    expect(large.headers.get("access-control-allow-origin")).toBe(APP);
    const down = createEdge(crmConfig([key]), { now: () => NOW_MS, audit: () => undefined, log: () => undefined, fetch: async () => Promise.reject(new Error("connection refused")) });
    const res = await down.handle(post(call("list_customers"), { ...bearer(mint(key)), origin: APP }));
    expect(res.status).toBe(502);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("refuses a foreign Origin with 403 and no CORS header also when its body is too large to read", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(big("https://evil.example"));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "origin_not_allowed" });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("what goes upstream (docs/edge.md, gateway mode)", () => {
  it("forwards Mcp-Param-* headers (MCP 2026-07-28: an intermediary MUST forward an Mcp-Param header it does not recognise)", async () => {
    const { edge, upstreamCalls } = harness([crmConfig([key])]);
    const body = { ...call("get_customer", { id: "c-42" }), params: { name: "get_customer", arguments: { id: "c-42" }, _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } } };
    const res = await edge.handle(post(body, { ...bearer(mint(key)), "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "get_customer", "mcp-param-customer": "c-42" }));
    expect(res.status).toBe(200);
    expect(upstreamCalls.at(-1)!.headers.get("mcp-param-customer")).toBe("c-42");
  });

  it("keeps an upstream 5xx status and its Retry-After, with the generic body", async () => {
    const edge = createEdge(crmConfig([key]), {
      now: () => NOW_MS,
      audit: () => undefined,
      log: () => undefined,
      fetch: async () => new Response("Error: connection pool exhausted at db.js:12", { status: 503, headers: { "retry-after": "7", "content-type": "text/plain" } }),
    });
    const res = await edge.handle(post(call("list_customers"), bearer(mint(key))));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({ error: "upstream_error" });
  });
});

describe("per-caller lists (docs/edge.md, filterLists)", () => {
  const crm = plan.servers.find((s) => s.name === "crm")!;
  const tools = crm.operations.filter((o) => o.kind === "tool").map((o) => ({ name: o.name, inputSchema: { type: "object" } }));
  const listResult = (id: number) => ({ jsonrpc: "2.0", id, result: { tools } });
  const edgeAnswering = (over: Partial<EdgeConfig>, answer: unknown) =>
    createEdge(crmConfig([key], { filterLists: true, ...over }), {
      now: () => NOW_MS,
      audit: () => undefined,
      log: () => undefined,
      fetch: async () => new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } }),
    });
  const old = { "mcp-protocol-version": "2025-11-25" };

  it("never passes a tools/list result through unfiltered, also when the list call comes in a batch", async () => {
    const edge = edgeAnswering({}, [listResult(1), { jsonrpc: "2.0", id: 2, result: {} }]);
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", id: 2, method: "ping" },
    ];
    const res = await edge.handle(post(batch, { ...bearer(mint(key, { scope: "crm:notes:read" })), ...old }));
    const text = await res.text();
    // Filtered (only list_notes) or refused with 502: either way no tool the token cannot call.
    expect(text).not.toContain("delete_customer");
  });

  it("refuses a batch that holds a list call with 400 and JSON-RPC -32600 when lists are filtered, and audits it as list_in_batch", async () => {
    const audit: Array<{ reason: string; status: number }> = [];
    let forwarded = 0;
    const edge = createEdge(crmConfig([key], { filterLists: true }), {
      now: () => NOW_MS,
      audit: (r) => void audit.push(r),
      log: () => undefined,
      fetch: async () => {
        forwarded++;
        return new Response(JSON.stringify([listResult(1)]), { headers: { "content-type": "application/json" } });
      },
    });
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", id: 2, method: "ping" },
    ];
    const res = await edge.handle(post(batch, { ...bearer(mint(key, { scope: "crm:notes:read" })), ...old }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
    expect(forwarded).toBe(0);
    expect(audit.at(-1)).toMatchObject({ reason: "list_in_batch", status: 400 });
  });

  it("applies the roles gate to the list as the decision does: a tool whose gated scope no role grants is not listed", async () => {
    const roles: NonNullable<EdgeConfig["roles"]> = { grants: { "app.crm:customers:read": [READ] }, requireForScopes: [READ] };
    const edge = edgeAnswering({ roles }, listResult(1));
    // crm:customers:write implies crm:customers:read, which is gated and granted by no role of this token.
    const t = mint(key, { scope: "crm:customers:write", roles: [] });
    expect((await edge.handle(post(call("list_customers"), { ...bearer(t), ...old }))).status).toBe(403);
    const res = await edge.handle(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { ...bearer(t), ...old }));
    expect(res.status).toBe(200);
    const names = ((await res.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map((x) => x.name);
    expect(names).toContain("update_customer");
    expect(names).not.toContain("list_customers");
  });
});
