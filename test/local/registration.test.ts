import { afterEach, describe, expect, it } from "vitest";
import { startAuthorizationServer, type LocalAuthorizationServer } from "../../components/local/authorization-server.js";
import { createDcrGuard } from "../../components/front/registration/dcr.js";
import { redirectUriProblem } from "../../components/front/registration/redirect-uris.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { devPlan } from "../../components/local/dev-plan.js";
import { Browser } from "./browser.js";
import { crmPlan, REDIRECT } from "./fixtures.js";
import { register } from "./flows.js";

const dcrTier = { name: "dcr", registration: "dcr" as const, allowedDomains: [], allowedRedirectUris: ["http://127.0.0.1/callback", "http://localhost/callback"] };

describe("DCR redirect URI policy", () => {
  it("accepts a loopback redirect URI on any port when the allowlist entry has no port (RFC 8252 §7.3)", () => {
    expect(redirectUriProblem(dcrTier, "http://127.0.0.1:51234/callback")).toBeUndefined();
    expect(redirectUriProblem(dcrTier, "http://localhost:8080/callback")).toBeUndefined();
  });
  it("refuses other paths, other hosts, http off loopback, fragments and credentials", () => {
    expect(redirectUriProblem(dcrTier, "http://127.0.0.1:5000/other")).toMatch(/not allowed for tier 'dcr'/);
    expect(redirectUriProblem(dcrTier, "https://evil.example/callback")).toMatch(/not allowed/);
    expect(redirectUriProblem(dcrTier, "http://evil.example/callback")).toMatch(/http on a non-loopback host/);
    expect(redirectUriProblem(dcrTier, "http://127.0.0.1:5000/callback#x")).toMatch(/fragment/);
    expect(redirectUriProblem(dcrTier, "http://user:pw@127.0.0.1/callback")).toMatch(/user information/);
  });
  it("accepts only loopback redirect URIs when the tier declares no allowlist", () => {
    expect(redirectUriProblem({ ...dcrTier, allowedRedirectUris: [] }, "http://127.0.0.1:9/cb")).toBeUndefined();
    expect(redirectUriProblem({ ...dcrTier, allowedRedirectUris: [] }, "https://app.example.com/cb")).toMatch(/only loopback/);
  });
});

describe("registration rate limit", () => {
  it("allows the tier's registrations per source and one-minute window (shared through the store) and tells how long to wait", async () => {
    let t = 1_000_040_000; // 20 s into a one-minute window
    const tier = devPlan(crmPlan(), "http://127.0.0.1:1").tiers.find((x) => x.registration === "dcr")!;
    const guard = createDcrGuard({ tier: { ...tier, registrationRateLimitPerMinute: 2 }, store: createMemoryStore(), now: () => t });
    const ok = { redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" };
    expect(await guard.check({ sourceIp: "a", metadata: ok })).toMatchObject({ ok: true });
    expect(await guard.check({ sourceIp: "a", metadata: ok })).toMatchObject({ ok: true });
    expect(await guard.check({ sourceIp: "a", metadata: ok })).toMatchObject({ ok: false, status: 429, retryAfter: 40 });
    expect(await guard.check({ sourceIp: "b", metadata: ok })).toMatchObject({ ok: true });
    t += 30_000;
    expect(await guard.check({ sourceIp: "a", metadata: ok })).toMatchObject({ ok: false, retryAfter: 10 });
    t += 10_000;
    expect(await guard.check({ sourceIp: "a", metadata: ok })).toMatchObject({ ok: true });
  });
});

describe("the local authorization server's registration endpoint", () => {
  let as: LocalAuthorizationServer | undefined;
  afterEach(async () => {
    await as?.close();
    as = undefined;
  });
  const plan = () => devPlan(crmPlan(), "http://127.0.0.1:1");

  it("refuses a redirect URI outside the DCR tier's rules with invalid_redirect_uri", async () => {
    as = await startAuthorizationServer({ plan: plan() });
    const r = await register(as.issuer, { redirect_uris: ["https://evil.example/callback"], token_endpoint_auth_method: "none" });
    expect(r.status).toBe(400);
    expect(r.body["error"]).toBe("invalid_redirect_uri");
    expect(String(r.body["error_description"])).toContain("not allowed for tier 'dcr'");
  });

  it("refuses grant types the DCR tier does not allow", async () => {
    as = await startAuthorizationServer({ plan: plan() });
    const r = await register(as.issuer, { redirect_uris: [REDIRECT], grant_types: ["client_credentials"], response_types: [], token_endpoint_auth_method: "client_secret_basic" });
    expect(r.status).toBe(400);
    expect(r.body["error"]).toBe("invalid_client_metadata");
  });

  it("answers 429 with Retry-After past the tier's registrations per minute", async () => {
    const frozen = 5_000_000;
    as = await startAuthorizationServer({ plan: plan(), now: () => frozen });
    const ok = { redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" };
    for (let i = 0; i < 10; i++) expect((await register(as.issuer, ok)).status).toBe(201);
    const res = await fetch(`${as.issuer}/reg`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ok) });
    expect(res.status).toBe(429);
    // Fixed one-minute windows counted in the store (every instance of the front shares them): the
    // wait is what is left of the current window (5000 s is 20 s into one).
    expect(res.headers.get("retry-after")).toBe("40");
    expect(((await res.json()) as Record<string, unknown>)["error"]).toBe("too_many_requests");
  });

  it("serves RFC 8414 metadata advertising S256, iss in responses, CIMD, introspection and revocation", async () => {
    as = await startAuthorizationServer({ plan: plan() });
    const md = (await (await fetch(as.metadataUrl)).json()) as Record<string, unknown>;
    expect(md["issuer"]).toBe(as.issuer);
    expect(md["code_challenge_methods_supported"]).toEqual(["S256"]);
    expect(md["authorization_response_iss_parameter_supported"]).toBe(true);
    expect(md["client_id_metadata_document_supported"]).toBe(true);
    expect(md["introspection_endpoint"]).toBe(as.introspection.endpoint);
    expect(md["revocation_endpoint"]).toBe(as.revocationEndpoint);
    expect(md["registration_endpoint"]).toBe(`${as.issuer}/reg`);
    expect(md["grant_types_supported"]).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]));
  });
});

describe("auto-approve", () => {
  it("is refused when the server is not bound to loopback", async () => {
    await expect(startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1"), host: "0.0.0.0", autoApprove: "alice" })).rejects.toThrow(/refused on a non-loopback address/);
  });

  it("is refused for a user that is not seeded", async () => {
    await expect(startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1"), autoApprove: "mallory" })).rejects.toThrow(/not a seeded dev user/);
  });

  it("signs the named user in and approves without showing a page, logging each approval", async () => {
    const lines: string[] = [];
    const p = devPlan(crmPlan(), "http://127.0.0.1:1");
    const as = await startAuthorizationServer({ plan: p, autoApprove: "bob", log: (l) => lines.push(l) });
    try {
      const url = new URL(`${as.issuer}/auth`);
      const params = { response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: p.servers[0]!.resource, code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const browser = new Browser();
      const cb = await browser.authorize(url.href, "http://127.0.0.1:33418/callback", { user: "unused" });
      expect(cb.searchParams.get("code")).toBeTruthy();
      expect(browser.visits).toEqual([]);
      expect(lines.join("\n")).toMatch(/auto-approve: signed in 'bob'/);
      expect(lines.join("\n")).toMatch(/auto-approve: 'bob' granted client 'claude-code': crm:customers:read/);
    } finally {
      await as.close();
    }
  });
});
