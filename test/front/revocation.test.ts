import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { Browser } from "../local/browser.js";
import { crmPlan, REDIRECT } from "../local/fixtures.js";
import { codeFlow, mcpCall, registerPublic, tokenRequest } from "../local/flows.js";
import { adminUrl, CLAUDE_REDIRECT, crmUrl, jwtClaims, sleep } from "./helpers.js";

/**
 * Revocation by the user (grants page), an admin (through the store, as `revoke` does) and the
 * client (RFC 7009), each refused at the edge within the stated bound: the edge's revocation-list
 * cache (here 1 second) for routine scopes, the next request for critical scopes (introspection).
 */
const BOUND_SECONDS = 1;

describe("revocation reaches the edge within the stated bound", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan(), revocationCacheSeconds: BOUND_SECONDS });
  });
  afterAll(async () => stack?.close());

  const list = (token: string) => mcpCall(crmUrl(stack), token, "tools/call", { name: "list_customers", arguments: {} });

  async function signedIn(user: string, browser = new Browser()) {
    const clientId = await registerPublic(stack.authorizationServer.issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crmUrl(stack), scope: "crm:customers:read", user, browser });
    expect((await list(token.access_token!)).status).toBe(200);
    return { clientId, token, browser };
  }

  it("refuses a token within the bound after the user revokes the grant on their grants page", async () => {
    const browser = new Browser();
    const { clientId, token } = await signedIn("bob", browser);
    const issuer = stack.authorizationServer.issuer;
    // The grants page signs the user in at the upstream IdP (the session there is reused).
    await browser.authorize(`${issuer}/grants`, `${issuer}/grants`, { user: "bob" });
    const page = await (await browser.request(`${issuer}/grants`)).text();
    expect(page).toContain("Your grants");
    expect(page).toContain(clientId);
    expect(page).toContain("crm:customers:read");
    const csrf = /name="csrf" value="([^"]*)"/.exec(page)![1]!;
    const forged = await browser.request(`${issuer}/grants/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf: "forged", client_id: clientId, resource: crmUrl(stack) }).toString() });
    expect(forged.status).toBe(403);
    const revoked = await browser.request(`${issuer}/grants/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf, client_id: clientId, resource: crmUrl(stack) }).toString() });
    expect(revoked.status).toBe(303);
    expect(await (await browser.request(`${issuer}/grants`)).text()).not.toContain(clientId);
    // The refresh token went with the grant, at once.
    const refresh = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: token.refresh_token!, client_id: clientId, resource: crmUrl(stack) });
    expect(refresh.body.error).toBe("invalid_grant");
    await sleep(BOUND_SECONDS * 1000 + 100);
    const after = await list(token.access_token!);
    expect(after.status).toBe(401);
    expect(after.challenge).toContain('error="invalid_token"');
  });

  it("refuses every token of a user within the bound after an admin revokes the user through the store", async () => {
    const { clientId, token } = await signedIn("alice");
    const sub = String(jwtClaims(token.access_token!)["sub"]);
    // What `pulumi-mcp-auth revoke --user` writes.
    const at = Math.floor(Date.now() / 1000);
    await stack.authorizationServer.store.addRevocation({ kind: "user", id: sub, at, by: "admin", expiresAt: at + 86_400 });
    const refresh = await tokenRequest(stack.authorizationServer.issuer, { grant_type: "refresh_token", refresh_token: token.refresh_token!, client_id: clientId, resource: crmUrl(stack) });
    expect(refresh.body.error).toBe("invalid_grant");
    await sleep(BOUND_SECONDS * 1000 + 100);
    expect((await list(token.access_token!)).status).toBe(401);
  });

  it("refuses the access token within the bound after the client revokes its refresh token (RFC 7009)", async () => {
    const { clientId, token } = await signedIn("bob");
    const res = await fetch(stack.authorizationServer.revocationEndpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: token.refresh_token!, token_type_hint: "refresh_token", client_id: clientId }).toString() });
    expect(res.status).toBe(200);
    await sleep(BOUND_SECONDS * 1000 + 100);
    expect((await list(token.access_token!)).status).toBe(401);
  });

  it("accepts no request after revocation for a critical scope (introspected on every use)", async () => {
    const admin = adminUrl(stack);
    const { token } = await codeFlow(stack, { clientId: "claude-code", redirectUri: CLAUDE_REDIRECT, resource: admin, scope: "crm:settings:read crm:settings:write", user: "alice" });
    const update = () => mcpCall(admin, token.access_token, "tools/call", { name: "update_settings", arguments: { fields: { timezone: "UTC" } } });
    expect((await update()).status).toBe(200);
    const sub = String(jwtClaims(token.access_token!)["sub"]);
    await stack.authorizationServer.front.revoke.user(sub, "admin");
    // No wait: the very next request is refused.
    expect((await update()).status).toBe(401);
  });

  it("refuses a grants-page sign-in finished in another browser than the one that started it", async () => {
    const issuer = stack.authorizationServer.issuer;
    const attacker = new Browser();
    // The attacker starts a grants-page sign-in and stops before the callback.
    const start = await attacker.request(`${issuer}/grants`);
    let res = await attacker.request(start.headers.get("location")!);
    let current = start.headers.get("location")!;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get("location")!, current).href;
      res = await attacker.request(current);
    }
    const html = await res.text();
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
    const login = await attacker.request(`${current}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf, username: "bob" }).toString() });
    let hop = new URL(login.headers.get("location")!, current).href;
    while (!hop.startsWith(`${issuer}/federation/callback`)) {
      const r = await attacker.request(hop);
      hop = new URL(r.headers.get("location")!, hop).href;
    }
    // The victim's browser is sent the attacker's callback URL.
    const victim = await new Browser().request(hop);
    expect(victim.status).toBe(400);
    expect(await victim.text()).toContain("not started in this browser");
  });

  it("serves the revocation list to the edge client only", async () => {
    const url = stack.authorizationServer.revocationListEndpoint;
    expect((await fetch(url)).status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${stack.authorizationServer.introspection.clientId}:nope`).toString("base64")}` } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${stack.authorizationServer.introspection.clientId}:${stack.authorizationServer.introspection.clientSecret}`).toString("base64")}` } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { revocations: Array<{ kind: string; id: string; at: number }> };
    expect(body.revocations.map((r) => r.kind)).toEqual(expect.arrayContaining(["grant", "user"]));
    expect(Object.keys(body.revocations[0]!).sort()).toEqual(["at", "id", "kind"]);
  });
});
