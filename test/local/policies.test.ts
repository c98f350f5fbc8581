import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { frontSubject } from "../../components/front/federation.js";
import { Browser, jwtClaims } from "./browser.js";
import { crmPlan, REDIRECT } from "./fixtures.js";
import { clientCredentials, codeFlow, install, mcpCall, registerPublic, tokenRequest } from "./flows.js";

/** What the local stack enforces, from the CRM example as declared (DCR capped at routine). */
describe("the local stack enforces the plan", () => {
  let stack: DevStack;
  let crm: string;
  let admin: string;
  let issuer: string;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
    crm = stack.servers.find((s) => s.name === "crm")!.mcpUrl;
    admin = stack.servers.find((s) => s.name === "crm-admin")!.mcpUrl;
    issuer = stack.authorizationServer.issuer;
  });
  afterAll(async () => stack?.close());

  const scopesOf = (token: string) => String(jwtClaims(token)["scope"]).split(" ");

  it("refuses a token for one MCP server at the other (audience is the resource URI)", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope: "crm:customers:read", user: "bob" });
    expect(jwtClaims(token.access_token!)["aud"]).toBe(crm);
    expect((await mcpCall(crm, token.access_token, "tools/call", { name: "list_customers", arguments: {} })).status).toBe(200);
    const other = await mcpCall(admin, token.access_token, "tools/call", { name: "get_settings", arguments: {} });
    expect(other.status).toBe(401);
    expect(other.challenge).toContain('error="invalid_token"');
  });

  it("refuses a revoked token carrying a critical scope (the edge introspects it)", async () => {
    const redirect = "http://127.0.0.1:33418/callback";
    const browser = await install(stack, { clientId: "claude-code", redirectUri: redirect, resource: admin, user: "alice" });
    const { token } = await codeFlow(stack, { clientId: "claude-code", redirectUri: redirect, resource: admin, scope: "crm:settings:read crm:settings:write", user: "alice", browser });
    expect(scopesOf(token.access_token!)).toContain("crm:settings:write");
    // Critical: 5-minute token (plan accessTokenMinutes.critical).
    expect(token.expires_in).toBe(300);
    const call = () => mcpCall(admin, token.access_token, "tools/call", { name: "update_settings", arguments: { fields: { timezone: "UTC" } } });
    expect((await call()).status).toBe(200);
    const revoke = await fetch(stack.authorizationServer.revocationEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: token.access_token!, client_id: "claude-code" }).toString(),
    });
    expect(revoke.status).toBe(200);
    const after = await call();
    expect(after.status).toBe(401);
  });

  it("rotates refresh tokens and refuses a reused one", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope: "crm:customers:read", user: "bob" });
    expect(token.refresh_token).toBeTruthy();
    const first = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: token.refresh_token!, client_id: clientId, resource: crm });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();
    expect(first.body.refresh_token).not.toBe(token.refresh_token);
    expect(jwtClaims(first.body.access_token!)["aud"]).toBe(crm);
    // The DCR tier declares 7-day refresh tokens (RFC 7662 introspection of the client's own token).
    const intro = await fetch(stack.authorizationServer.introspection.endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: first.body.refresh_token!, client_id: clientId }).toString() });
    const rt = (await intro.json()) as { active: boolean; exp: number; iat: number };
    expect(rt.active).toBe(true);
    expect(rt.exp - rt.iat).toBeLessThanOrEqual(7 * 86_400);
    expect(rt.exp - rt.iat).toBeGreaterThan(7 * 86_400 - 60);
    const reused = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: token.refresh_token!, client_id: clientId, resource: crm });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe("invalid_grant");
  });

  it("lets the user untick optional scopes on the consent page, and the token lacks them", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const scope = "crm:contacts:read crm:notes:read crm:notes:write crm:contacts:write";
    const { token, browser } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "bob", decline: ["crm:notes:write"] });
    const consent = browser.visits.find((v) => v.kind === "consent")!.html;
    expect(consent).toContain("<legend>Required</legend>");
    expect(consent).toContain("<legend>Optional (untick to decline)</legend>");
    expect(consent).toMatch(/name="optional" value="[^"]* crm:notes:write"/);
    expect(consent).not.toMatch(/name="optional" value="[^"]* crm:notes:read"/);
    const scopes = scopesOf(token.access_token!);
    expect(scopes).toEqual(expect.arrayContaining(["crm:contacts:read", "crm:notes:read", "crm:contacts:write"]));
    expect(scopes).not.toContain("crm:notes:write");
    const denied = await mcpCall(crm, token.access_token, "tools/call", { name: "add_note", arguments: { text: "hi" } });
    expect(denied.status).toBe(403);
  });

  it("never gives a dynamically registered client a scope above its tier cap", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    // alice (sales-ops) may delete customers, but the dcr tier is capped at routine.
    const { token, browser } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope: "crm:customers:read crm:customers:delete", user: "alice" });
    expect(scopesOf(token.access_token!)).toEqual(["crm:customers:read"]);
    expect(browser.visits.map((v) => v.kind)).not.toContain("step-up");
    const denied = await mcpCall(crm, token.access_token, "tools/call", { name: "delete_customer", arguments: { id: "c1" } });
    expect(denied.status).toBe(403);
    expect(denied.challenge).toContain("crm:customers:delete");
  });

  it("never grants a high scope at install: the client asks when it first needs it (step-up)", async () => {
    // A first authorization: no earlier consent from alice to this client for this server.
    await stack.authorizationServer.store.deleteConsent(frontSubject("pulumi-mcp-auth front subject", stack.authorizationServer.upstreamIssuer, "alice"), "claude-code", crm);
    const { token, browser } = await codeFlow(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crm, scope: "crm:customers:read crm:customers:export", user: "alice" });
    expect(browser.visits.map((v) => v.kind)).toEqual(["login", "consent"]);
    expect(browser.visits[1]!.html).toContain("not at install: the client asks again when it first needs it");
    expect(scopesOf(token.access_token!)).toEqual(["crm:customers:read"]);
    const challenged = await mcpCall(crm, token.access_token, "tools/call", { name: "export_customers", arguments: {} });
    expect(challenged.status).toBe(403);
    const again = await codeFlow(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crm, scope: "crm:customers:read crm:customers:export", user: "alice", browser });
    expect(browser.visits.slice(2).map((v) => v.kind)).toEqual(["consent", "step-up"]);
    expect(scopesOf(again.token.access_token!)).toContain("crm:customers:export");
  });

  it("never grants a scope outside the signed-in user's groups", async () => {
    const { token, browser } = await codeFlow(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crm, scope: "crm:customers:read crm:customers:export", user: "bob" });
    expect(browser.visits.find((v) => v.kind === "consent")!.html).toContain("not granted to bob&#39;s groups");
    expect(scopesOf(token.access_token!)).toEqual(["crm:customers:read"]);
  });

  it("grants nothing on the step-up page when the username is not retyped correctly", async () => {
    const browser = await install(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crm, user: "alice" });
    await expect(
      codeFlow(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crm, scope: "crm:customers:read crm:customers:export", user: "alice", confirmAs: "mallory", browser }),
    ).rejects.toThrow(/400/);
    expect(browser.visits.at(-1)?.kind).toBe("step-up");
  });

  it("asks again for a critical scope on every authorization (per-action consent)", async () => {
    const redirectUri = "http://127.0.0.1:33418/callback";
    const browser = await install(stack, { clientId: "claude-code", redirectUri, resource: admin, user: "alice" });
    const scope = "crm:billing:read crm:billing:write";
    const first = await codeFlow(stack, { clientId: "claude-code", redirectUri, resource: admin, scope, user: "alice", browser });
    expect(scopesOf(first.token.access_token!)).toContain("crm:billing:write");
    const before = browser.visits.length;
    // Same browser session, same grant: the step-up page still comes back, and skipping it drops the scope.
    const second = await codeFlow(stack, { clientId: "claude-code", redirectUri, resource: admin, scope, user: "alice", browser, stepUp: "skip" });
    expect(browser.visits.slice(before).map((v) => v.kind)).toEqual(["consent", "step-up"]);
    expect(scopesOf(second.token.access_token!)).toEqual(["crm:billing:read"]);
  });

  it("grants an optional scope declined earlier once the user accepts it", async () => {
    const browser = new Browser();
    const clientId = await registerPublic(issuer, REDIRECT);
    const scope = "crm:deals:read crm:deals:write";
    const first = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "bob", browser, decline: ["crm:deals:write"] });
    expect(scopesOf(first.token.access_token!)).toEqual(["crm:deals:read"]);
    const again = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "bob", browser, decline: [] });
    expect(scopesOf(again.token.access_token!).sort()).toEqual(["crm:deals:read", "crm:deals:write"]);
  });

  it("issues routine tokens for the routine lifetime (60 minutes)", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope: "crm:customers:read", user: "bob" });
    expect(token.expires_in).toBe(3600);
    const c = jwtClaims(token.access_token!);
    expect(Number(c["exp"]) - Number(c["iat"])).toBe(3600);
  });

  it("refuses a client ID metadata document outside the CIMD tier's allowed domains without fetching it", async () => {
    const url = new URL(`${issuer}/auth`);
    for (const [k, v] of Object.entries({ response_type: "code", client_id: "https://evil.example/client.json", redirect_uri: "http://127.0.0.1:1/cb", scope: "crm:customers:read", resource: crm, code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("invalid_client");
  });

  it("issues agent-tier client-credentials tokens for the tier's scopes only", async () => {
    const agent = stack.authorizationServer.agentCredentials.find((a) => a.clientId === "nightly-digest")!;
    expect(agent.privateJwk).toBeDefined();
    const { status, body } = await clientCredentials(issuer, agent.clientId, agent.privateJwk!, { resource: crm, scope: "crm:customers:read crm:notes:write crm:customers:delete" });
    expect(status).toBe(200);
    expect(scopesOf(body.access_token!).sort()).toEqual(["crm:customers:read", "crm:notes:write"]);
    // Agent tier: 15-minute routine tokens.
    expect(body.expires_in).toBe(15 * 60);
    expect((await mcpCall(crm, body.access_token, "tools/call", { name: "list_customers", arguments: {} })).status).toBe(200);
    expect((await mcpCall(crm, body.access_token, "tools/call", { name: "delete_customer", arguments: { id: "c1" } })).status).toBe(403);
    const adminToken = await clientCredentials(issuer, agent.clientId, agent.privateJwk!, { resource: admin, scope: "crm:settings:read" });
    expect(adminToken.body.error).toBe("invalid_target");
  });

  it("refuses client credentials without a valid client assertion", async () => {
    const r = await tokenRequest(issuer, { grant_type: "client_credentials", client_id: "nightly-digest", resource: crm, scope: "crm:customers:read" });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("invalid_client");
  });

  it("has the demo MCP server refuse requests that did not come through the edge", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope: "crm:customers:read", user: "bob" });
    const direct = await mcpCall(stack.demo.urlFor("crm"), token.access_token, "tools/call", { name: "list_customers", arguments: {} });
    expect(direct.status).toBe(401);
    expect(direct.body).toContain("edge identity assertion");
    expect((await mcpCall(crm, token.access_token, "tools/call", { name: "list_customers", arguments: {} })).status).toBe(200);
  });

  it("returns RFC 9207 iss and refuses an authorization request without PKCE", async () => {
    const url = new URL(`${issuer}/auth`);
    for (const [k, v] of Object.entries({ response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: crm, state: "s" })) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: "manual" });
    const loc = new URL(res.headers.get("location")!);
    expect(loc.searchParams.get("error")).toBe("invalid_request");
    expect(loc.searchParams.get("error_description")).toMatch(/PKCE/);
    expect(loc.searchParams.get("iss")).toBe(issuer);
  });
});
