import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { Browser } from "../local/browser.js";
import { crmPlan, crmPlanDcrHigh, REDIRECT } from "../local/fixtures.js";
import { codeFlow, mcpCall, registerPublic, tokenRequest } from "../local/flows.js";
import { adminUrl, CLAUDE_REDIRECT, crmUrl, jwtClaims, scopesOf } from "./helpers.js";

/** Consent as declared, enforced by the front: per-action approval of critical scopes, re-consent cadence. */
describe("per-action approval of critical scopes", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
  });
  afterAll(async () => stack?.close());

  it("needs a second approval for the second critical action, and a refresh yields no critical scope", async () => {
    const browser = new Browser();
    const admin = adminUrl(stack);
    const scope = "crm:settings:read crm:settings:write";
    const first = await codeFlow(stack, { clientId: "claude-code", redirectUri: CLAUDE_REDIRECT, resource: admin, scope, user: "alice", browser });
    expect(browser.visits.map((v) => v.kind)).toEqual(["login", "consent", "step-up"]);
    expect(scopesOf(first.token.access_token!)).toContain("crm:settings:write");
    // A critical grant lives at most 5 minutes.
    expect(first.token.expires_in).toBeLessThanOrEqual(300);
    const update = (token: string) => mcpCall(admin, token, "tools/call", { name: "update_settings", arguments: { fields: { timezone: "UTC" } } });
    expect((await update(first.token.access_token!)).status).toBe(200);

    // The refresh token carries no critical scope: the refreshed access token cannot do the action.
    expect(first.token.refresh_token).toBeTruthy();
    const intro = await fetch(stack.authorizationServer.introspection.endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: first.token.refresh_token!, client_id: "claude-code" }).toString() });
    const rt = (await intro.json()) as { active: boolean; scope?: string };
    expect(rt.active).toBe(true);
    expect(String(rt.scope).split(" ")).not.toContain("crm:settings:write");
    const refreshed = await tokenRequest(stack.authorizationServer.issuer, { grant_type: "refresh_token", refresh_token: first.token.refresh_token!, client_id: "claude-code", resource: admin });
    expect(refreshed.status).toBe(200);
    expect(scopesOf(refreshed.body.access_token!)).toEqual(["crm:settings:read"]);
    const denied = await update(refreshed.body.access_token!);
    expect(denied.status).toBe(403);
    expect(denied.challenge).toContain("crm:settings:write");

    // The next action: the same signed-in user is asked again (consent + step-up), then it works.
    const before = browser.visits.length;
    const second = await codeFlow(stack, { clientId: "claude-code", redirectUri: CLAUDE_REDIRECT, resource: admin, scope, user: "alice", browser });
    expect(browser.visits.slice(before).map((v) => v.kind)).toEqual(["consent", "step-up"]);
    expect((await update(second.token.access_token!)).status).toBe(200);
  });
});

describe("re-consent cadence", () => {
  let stack: DevStack;
  let clock = Date.now();
  beforeAll(async () => {
    // The front's policy clock is fake; the edge is not called in this test.
    stack = await startDevStack({ plan: crmPlanDcrHigh(), now: () => clock });
  });
  afterAll(async () => stack?.close());

  it("asks again for a high scope once its consent is older than the cadence, and a refresh stops yielding it", async () => {
    const issuer = stack.authorizationServer.issuer;
    const crm = crmUrl(stack);
    const clientId = await registerPublic(issuer, REDIRECT);
    const browser = new Browser();
    const scope = "crm:customers:read crm:customers:delete";
    const first = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "alice", browser });
    expect(scopesOf(first.token.access_token!)).toContain("crm:customers:delete");
    const consentTime = Number(jwtClaims(first.token.access_token!)["consent_time"]);
    expect(consentTime).toBe(Math.floor(clock / 1000));

    // Within the cadence: no page, and a refresh keeps the high scope.
    const quiet = browser.visits.length;
    const again = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "alice", browser });
    expect(browser.visits.length).toBe(quiet);
    expect(scopesOf(again.token.access_token!)).toContain("crm:customers:delete");
    const kept = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: again.token.refresh_token!, client_id: clientId, resource: crm });
    expect(scopesOf(kept.body.access_token!)).toContain("crm:customers:delete");

    // The CRM example's high cadence is 90 days: one day later, the consent is due.
    clock += 91 * 86_400_000;
    const stale = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: kept.body.refresh_token!, client_id: clientId, resource: crm });
    expect(stale.status).toBe(200);
    expect(scopesOf(stale.body.access_token!)).toEqual(["crm:customers:read"]);
    const before = browser.visits.length;
    const renewed = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crm, scope, user: "alice", browser });
    expect(browser.visits.slice(before).map((v) => v.kind)).toEqual(["consent", "step-up"]);
    expect(scopesOf(renewed.token.access_token!)).toContain("crm:customers:delete");
    expect(Number(jwtClaims(renewed.token.access_token!)["consent_time"])).toBeGreaterThan(consentTime);
  });
});

describe("optional scopes", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
  });
  afterAll(async () => stack?.close());

  it("shows mandatory and optional scopes apart, and a declined optional scope is refused at the edge", async () => {
    const clientId = await registerPublic(stack.authorizationServer.issuer, REDIRECT);
    const { token, browser } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: crmUrl(stack), scope: "crm:customers:read crm:notes:write", user: "bob", decline: ["crm:notes:write"] });
    const consent = browser.visits.find((v) => v.kind === "consent")!.html;
    expect(consent).toContain("<legend>Required</legend>");
    expect(consent).toContain("<legend>Optional (untick to decline)</legend>");
    expect(scopesOf(token.access_token!)).toEqual(["crm:customers:read"]);
    const denied = await mcpCall(crmUrl(stack), token.access_token, "tools/call", { name: "add_note", arguments: { text: "hi" } });
    expect(denied.status).toBe(403);
  });
});
