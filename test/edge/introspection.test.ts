import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCE, bearer, call, crmConfig, harness, mint, NOW, NOW_MS, post, RESOURCE, rsaKey } from "./helpers.js";

const key = rsaKey();

function idp() {
  const state = { active: true, calls: 0, down: false, lastAuth: "" as string | null, lastBody: "", delayMs: 0, claims: {} as Record<string, unknown> };
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url === "https://idp.example.com/introspect") {
      state.calls++;
      if (state.down) throw new TypeError("fetch failed");
      state.lastAuth = req.headers.get("authorization");
      state.lastBody = await req.text();
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      return Response.json(state.active ? { active: true, exp: NOW + 300, ...state.claims } : { active: false });
    }
    if (req.url.startsWith("http://upstream.test")) return Response.json({ jsonrpc: "2.0", id: 1, result: {} });
    throw new Error(`unexpected ${req.url}`);
  }) as typeof fetch;
  return { state, f };
}

describe("immediate revocation (RFC 7662 introspection)", () => {
  const cfg = crmConfig([key], { introspection: { endpoint: "https://idp.example.com/introspect", clientId: "edge", clientSecretEnv: "EDGE_SECRET", scopes: ["crm:settings:write", "crm:billing:write"], cacheSeconds: 5 } }, "crm-admin");
  const token = mint(key, { aud: ADMIN_RESOURCE, scope: "crm:settings:write", iat: NOW - 60, exp: NOW + 240 });
  const req = (t = token) => post(call("update_settings", { plan: "pro" }), bearer(t), ADMIN_RESOURCE);

  it("introspects critical-scope calls and refuses a revoked token on the first request past the cache bound", async () => {
    const s = idp();
    const clock = { ms: NOW_MS };
    const { edge } = harness([cfg], { fetch: s.f, clock, secrets: (n) => (n === "EDGE_SECRET" ? "s3cret" : undefined) });
    expect((await edge.handle(req())).status).toBe(200);
    expect(s.state.calls).toBe(1);
    expect(s.state.lastAuth).toBe(`Basic ${Buffer.from("edge:s3cret").toString("base64")}`);
    expect(s.state.lastBody).toContain("token_type_hint=access_token");
    s.state.active = false; // revoked at the IdP
    clock.ms += 4_000;
    expect((await edge.handle(req())).status).toBe(200); // within the 5 s positive cache
    clock.ms += 1_500;
    const res = await edge.handle(req());
    expect(res.status).toBe(401);
    expect(s.state.calls).toBe(2);
  });

  it("does not introspect routine calls on the same server", async () => {
    const s = idp();
    const { edge } = harness([cfg], { fetch: s.f, secrets: () => "x" });
    const t = mint(key, { aud: ADMIN_RESOURCE, scope: "crm:settings:read" });
    expect((await edge.handle(post(call("get_settings"), bearer(t), ADMIN_RESOURCE))).status).toBe(200);
    expect(s.state.calls).toBe(0);
  });

  it("fails closed with 503 when the introspection endpoint is unreachable", async () => {
    const s = idp();
    s.state.down = true;
    const { edge } = harness([cfg], { fetch: s.f, secrets: () => "x" });
    expect((await edge.handle(req())).status).toBe(503);
  });

  it("fails the cold start when the named client secret is not set", () => {
    expect(() => harness([cfg], { secrets: () => undefined })).toThrow(/EDGE_SECRET/);
  });
});

describe("introspection without amplification", () => {
  const base = { endpoint: "https://idp.example.com/introspect", clientId: "edge", scopes: ["crm:customers:read"], cacheSeconds: 5 };
  const randomToken = () => randomBytes(18).toString("base64url");
  const opaqueClaims = { iss: "https://idp.example.com/", aud: RESOURCE, sub: "carol", client_id: "cli", scope: "crm:customers:read", iat: NOW - 10 };

  it("sends none of 50 random non-JWT strings to the IdP when the issuer is not declared to issue opaque tokens", async () => {
    const s = idp();
    const { edge, audit } = harness([crmConfig([key], { introspection: base })], { fetch: s.f });
    for (let i = 0; i < 50; i++) expect((await edge.handle(post(call("list_customers"), bearer(randomToken())), { sourceIp: "203.0.113.9" })).status).toBe(401);
    expect(s.state.calls).toBe(0);
    expect(audit.every((r) => r.reason === "token_malformed")).toBe(true);
  });

  it("bounds the calls 50 random strings from one source cause when opaque tokens are declared, answering 429 past the budget", async () => {
    const s = idp();
    s.state.active = false;
    const { edge, audit } = harness([crmConfig([key], { introspection: { ...base, opaqueTokens: true, maxCallsPerSourcePerMinute: 10 } })], { fetch: s.f });
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await edge.handle(post(call("list_customers"), bearer(randomToken())), { sourceIp: "203.0.113.9" })).status);
    expect(s.state.calls).toBe(10);
    expect(statuses.filter((x) => x === 401)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(40);
    expect(audit.at(-1)).toMatchObject({ decision: "deny", status: 429, reason: "introspection_rate_limited" });
    // Another source keeps its own budget; the first one gets a new budget after a minute.
    expect((await edge.handle(post(call("list_customers"), bearer(randomToken())), { sourceIp: "198.51.100.7" })).status).toBe(401);
    expect(s.state.calls).toBe(11);
  });

  it("gives a source a fresh budget after the one-minute window", async () => {
    const s = idp();
    s.state.active = false;
    const clock = { ms: NOW_MS };
    const { edge } = harness([crmConfig([key], { introspection: { ...base, opaqueTokens: true, maxCallsPerSourcePerMinute: 2 } })], { fetch: s.f, clock });
    const send = async () => (await edge.handle(post(call("list_customers"), bearer(randomToken())), { sourceIp: "203.0.113.9" })).status;
    expect([await send(), await send(), await send()]).toEqual([401, 401, 429]);
    clock.ms += 60_000;
    expect(await send()).toBe(401);
    expect(s.state.calls).toBe(3);
  });

  it("remembers a negative answer briefly: a refused token retried in a loop is introspected once per bound", async () => {
    const s = idp();
    s.state.active = false;
    const clock = { ms: NOW_MS };
    const { edge } = harness([crmConfig([key], { introspection: { ...base, opaqueTokens: true, negativeCacheSeconds: 10 } })], { fetch: s.f, clock });
    const t = randomToken();
    for (let i = 0; i < 20; i++) expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(401);
    expect(s.state.calls).toBe(1);
    clock.ms += 10_001;
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(401);
    expect(s.state.calls).toBe(2);
  });

  it("accepts a declared opaque token and shares one call among concurrent requests with it", async () => {
    const s = idp();
    s.state.claims = opaqueClaims;
    s.state.delayMs = 20;
    const { edge } = harness([crmConfig([key], { introspection: { ...base, opaqueTokens: true } })], { fetch: s.f });
    const t = randomToken();
    const res = await Promise.all(Array.from({ length: 8 }, () => edge.handle(post(call("list_customers"), bearer(t)))));
    expect(res.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(s.state.calls).toBe(1);
  });

  it("rejects a per-source budget that is not a positive integer, naming the field", () => {
    expect(() => harness([crmConfig([key], { introspection: { ...base, maxCallsPerSourcePerMinute: 0 } })])).toThrow(/introspection\.maxCallsPerSourcePerMinute/);
  });
});
