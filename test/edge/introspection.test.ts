import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCE, bearer, call, crmConfig, harness, mint, NOW, NOW_MS, post, rsaKey } from "./helpers.js";

const key = rsaKey();

function idp() {
  const state = { active: true, calls: 0, down: false, lastAuth: "" as string | null, lastBody: "" };
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url === "https://idp.example.com/introspect") {
      state.calls++;
      if (state.down) throw new TypeError("fetch failed");
      state.lastAuth = req.headers.get("authorization");
      state.lastBody = await req.text();
      return Response.json(state.active ? { active: true, exp: NOW + 300 } : { active: false });
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
