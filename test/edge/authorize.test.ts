import { describe, expect, it } from "vitest";
import { bearer, call, crmConfig, ecKey, harness, mint, NOW, parseChallenge, post, rsaKey, RESOURCE } from "./helpers.js";

const key = rsaKey();
const PRM = "https://mcp.example.com/.well-known/oauth-protected-resource/crm";

describe("challenges", () => {
  it("answers 401 with resource_metadata and scope but no error code when no token is presented", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(post(call("list_customers")));
    expect(res.status).toBe(401);
    const h = res.headers.get("www-authenticate")!;
    expect(h.startsWith("Bearer ")).toBe(true);
    const c = parseChallenge(h);
    expect(c.resource_metadata).toBe(PRM);
    expect(c.scope!.split(" ")).toContain("crm:customers:read");
    expect(c.error).toBeUndefined();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
  });

  it("answers 401 invalid_token with a generic description for a bad token", async () => {
    const { edge, logs } = harness([crmConfig([key])]);
    const res = await edge.handle(post(call("list_customers"), bearer(mint(key, { exp: NOW - 3600, iat: NOW - 4000 }))));
    expect(res.status).toBe(401);
    const c = parseChallenge(res.headers.get("www-authenticate"));
    expect(c.error).toBe("invalid_token");
    expect(c.error_description).toBe("The access token is invalid, expired, or not issued for this resource");
    expect(logs.some((l) => l.reason === "expired")).toBe(true);
  });

  it("answers 403 insufficient_scope naming every scope the operation needs in one challenge", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "crm:customers:read" });
    const res = await edge.handle(post(call("merge_customers", { a: 1, b: 2 }), bearer(t)));
    expect(res.status).toBe(403);
    const c = parseChallenge(res.headers.get("www-authenticate"));
    expect(c.error).toBe("insufficient_scope");
    expect(c.scope!.split(" ").sort()).toEqual(["crm:customers:merge", "crm:customers:write"]);
    expect(c.resource_metadata).toBe(PRM);
    expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "insufficient_scope", missing: ["crm:customers:merge", "crm:customers:write"] });
  });

  it("escapes quotes and backslashes in challenge parameters", async () => {
    const { quote } = await import("../../lambda/core/challenge.js");
    expect(quote('a"b\\c\r\n')).toBe('"a\\"b\\\\c"');
  });

  it("lets a CORS preflight through without a token and exposes the challenge header to browsers", async () => {
    const { edge } = harness([crmConfig([key])]);
    const pre = await edge.handle(new Request(RESOURCE, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Authorization");
    const res = await edge.handle(post(call("list_customers"), { origin: "https://app.example.com" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
  });

  it("answers 405 with Allow for methods the MCP endpoint does not serve", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request(RESOURCE, { method: "PUT", body: "{}" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
  });
});

describe("origin validation (RS-23)", () => {
  it("refuses a present Origin that is not allowed with 403, before any token work", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const res = await edge.handle(post(call("list_customers"), { origin: "https://evil.example", ...bearer(mint(key)) }));
    expect(res.status).toBe(403);
    expect(audit.at(-1)).toMatchObject({ reason: "origin_not_allowed" });
    const pre = await edge.handle(new Request(RESOURCE, { method: "OPTIONS", headers: { origin: "https://evil.example" } }));
    expect(pre.status).toBe(403);
  });

  it("does not affect requests without Origin", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key))))).status).toBe(200);
  });
});

describe("scope decisions", () => {
  it("forwards an allowed tools/call to the upstream without the client's token", async () => {
    const { edge, upstreamCalls, audit } = harness([crmConfig([key])]);
    const t = mint(key);
    const res = await edge.handle(post(call("list_customers", { q: "acme" }), bearer(t)), { sourceIp: "203.0.113.9" });
    expect(res.status).toBe(200);
    expect(upstreamCalls).toHaveLength(1);
    const up = upstreamCalls[0]!;
    expect(up.url).toBe("http://upstream.test/mcp");
    expect(up.headers.get("authorization")).toBeNull();
    expect(up.headers.get("mcp-edge-assertion")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(up.headers.get("x-forwarded-for")).toBe("203.0.113.9");
    expect(audit.at(-1)).toMatchObject({ decision: "allow", user: "alice", client: "claude-desktop", tool: "list_customers", ip: "203.0.113.9", scopes: ["crm:customers:read"] });
  });

  it("honours declared implications (write implies read)", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { scope: "crm:customers:write" }))))).status).toBe(200);
  });

  it("accepts scopes in scp array form and scope-alias mapping", async () => {
    const { edge } = harness([crmConfig([key], { scopeAliases: { "Customers.Read": "crm:customers:read" } })]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { scope: undefined, scp: ["crm:deals:read", "crm:customers:read"] }))))).status).toBe(200);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { scope: undefined, scp: "Customers.Read" }))))).status).toBe(200);
  });

  it("needs only a valid token for initialize, tools/list and notifications", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "" });
    const init = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "claude-code", version: "2.1" } } };
    expect((await edge.handle(post(init, bearer(t)))).status).toBe(200);
    expect(audit.at(-1)).toMatchObject({ method: "initialize", hostClient: "claude-code/2.1" });
    expect((await edge.handle(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, bearer(t)))).status).toBe(200);
    expect((await edge.handle(post({ jsonrpc: "2.0", method: "notifications/initialized" }, bearer(t)))).status).toBe(200);
  });

  it("authorizes every call of a batch and challenges for all of their scopes", async () => {
    const { edge } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "crm:customers:read" });
    const ok = await edge.handle(post([call("list_customers", {}, 1), call("get_customer", {}, 2)], bearer(t)));
    expect(ok.status).toBe(200);
    const bad = await edge.handle(post([call("list_customers", {}, 1), call("close_deal", {}, 2)], bearer(t)));
    expect(bad.status).toBe(403);
    expect(parseChallenge(bad.headers.get("www-authenticate")).scope!.split(" ").sort()).toEqual(["crm:customers:read", "crm:deals:close"]);
  });

  it("refuses an undeclared tool by default and allows it when the config says so", async () => {
    const t = mint(key);
    const deny = harness([crmConfig([key])]);
    expect((await deny.edge.handle(post(call("drop_database"), bearer(t)))).status).toBe(403);
    const allow = harness([crmConfig([key], { undeclaredOperations: "allow" })]);
    expect((await allow.edge.handle(post(call("drop_database"), bearer(t)))).status).toBe(200);
  });

  it("authorizes resources/read by URI", async () => {
    const { edge } = harness([crmConfig([key])]);
    const req = { jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri: "crm://customers" } };
    expect((await edge.handle(post(req, bearer(mint(key, { scope: "crm:deals:read" }))))).status).toBe(403);
    expect((await edge.handle(post(req, bearer(mint(key))))).status).toBe(200);
  });

  it("refuses a token older than the maximum age of the highest sensitivity the request uses", async () => {
    const { edge, logs } = harness([crmConfig([key])]);
    // 30 minutes old, valid for another 30: fine for a routine tool, too old for a 15-minute (high) tool.
    const t = mint(key, { iat: NOW - 1800, exp: NOW + 1800, scope: "crm:customers:read crm:customers:export" });
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
    const res = await edge.handle(post(call("export_customers"), bearer(t)));
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get("www-authenticate")).error).toBe("invalid_token");
    expect(logs.at(-1)?.reason).toBe("token_too_old");
  });

  it("checks Mcp-Method/Mcp-Name against the body and answers 400 with -32020 on mismatch", async () => {
    const { edge } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "crm:customers:read crm:customers:delete" });
    const ok = await edge.handle(post(call("list_customers"), { ...bearer(t), "mcp-method": "tools/call", "mcp-name": "list_customers" }));
    expect(ok.status).toBe(200);
    const bad = await edge.handle(post(call("delete_customer"), { ...bearer(t), "mcp-method": "tools/call", "mcp-name": "list_customers" }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it("requires Mcp-Method on requests from clients announcing protocol 2026-07-28 or later (400, -32020)", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const t = mint(key);
    const v = (version: string, extra: Record<string, string> = {}) => ({ ...bearer(t), "mcp-protocol-version": version, ...extra });
    const list = { jsonrpc: "2.0", id: 7, method: "tools/list" };
    for (const version of ["2026-07-28", "2026-12-01", "DRAFT-2027-v1"]) {
      const res = await edge.handle(post(list, v(version)));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: -32020, message: "Mcp-Method header required" });
      expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "header_method_missing" });
    }
    // A notification alone does not need it (rules undefined there); batches and responses are refused outright in 2026-07-28.
    expect((await edge.handle(post({ jsonrpc: "2.0", method: "notifications/initialized" }, v("2026-07-28")))).status).toBe(200);
    expect((await edge.handle(post(list, v("2026-07-28", { "mcp-method": "tools/list" })))).status).toBe(200);
    expect((await edge.handle(post(call("list_customers"), v("2026-07-28", { "mcp-method": "tools/call", "mcp-name": "list_customers" })))).status).toBe(200);
  });

  it("requires Mcp-Name on tools/call, resources/read and prompts/get under protocol 2026-07-28 (400, -32020)", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const res = await edge.handle(post(call("list_customers"), { ...bearer(mint(key)), "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: -32020, message: "Mcp-Name header required" });
    expect(audit.at(-1)?.reason).toBe("header_name_missing");
  });

  it("keeps accepting requests without Mcp-Method from clients of earlier protocol versions or without a version header", async () => {
    const { edge } = harness([crmConfig([key])]);
    const t = mint(key);
    for (const version of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
      expect((await edge.handle(post(call("list_customers"), { ...bearer(t), "mcp-protocol-version": version }))).status).toBe(200);
    }
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
    expect((await edge.handle(post({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }, bearer(t)))).status).toBe(200);
  });

  it("authorizes a bodyless request from its Mcp-Method/Mcp-Name headers (REST authorizer mode)", async () => {
    const { edge } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "crm:customers:read" });
    const mk = (name: string) => new Request(RESOURCE, { method: "POST", headers: { ...bearer(t), "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name } });
    const ok = await edge.authorize(mk("list_customers"));
    expect(ok.allow).toBe(true);
    if (ok.allow) expect(ok).toMatchObject({ principal: { sub: "alice", clientId: "claude-desktop" }, method: "tools/call", name: "list_customers" });
    const no = await edge.authorize(mk("close_deal"));
    expect(no.allow).toBe(false);
    if (!no.allow) expect(no.response.status).toBe(403);
    const unnamed = await edge.authorize(new Request(RESOURCE, { method: "POST", headers: bearer(t) }));
    expect(unnamed.allow).toBe(false);
    if (!unnamed.allow) expect(unnamed.response.status).toBe(400);
  });

  it("accepts the configured alternative audience (Entra v2 client-ID GUID)", async () => {
    const guid = "7f0b3c1e-2a4d-4a8e-9a55-1c2d3e4f5a6b";
    const { edge } = harness([crmConfig([key], { audiences: [RESOURCE, guid] })]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { aud: guid }))))).status).toBe(200);
  });

  it("requires the tenant claim when declared", async () => {
    const { edge } = harness([crmConfig([key], { claims: { tenant: { claim: "tid", required: true } } })]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key))))).status).toBe(401);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key, { tid: "acme" }))))).status).toBe(200);
  });

  it("verifies ES256 tokens", async () => {
    const ec = ecKey();
    const { edge } = harness([crmConfig([key, ec])]);
    expect((await edge.handle(post(call("list_customers"), bearer(mint(ec))))).status).toBe(200);
  });
});
