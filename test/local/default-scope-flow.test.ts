import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { Browser, jwtClaims } from "./browser.js";
import { crmPlan, REDIRECT } from "./fixtures.js";
import { registerPublic, tokenRequest } from "./flows.js";

/**
 * docs/local.md: "A request without `scope` gets the server's mandatory scopes" (RFC 6749 §3.3), end
 * to end: the token the code is exchanged for carries exactly those scopes. The authorization
 * endpoint takes requests as a query only (GET); a form-encoded POST is not served.
 */
describe("an authorization request without scope", () => {
  let stack: DevStack;
  let issuer: string;
  let crm: string;
  let mandatory: string[];
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
    issuer = stack.authorizationServer.issuer;
    crm = stack.servers.find((s) => s.name === "crm")!.mcpUrl;
    mandatory = stack.plan.servers.find((s) => s.resource === crm)!.consent.mandatory;
  });
  afterAll(async () => stack?.close());

  /** Runs the code flow with no `scope` in the request; returns the token's scopes. */
  async function scopesAfter(): Promise<string[]> {
    const clientId = await registerPublic(issuer, REDIRECT);
    const verifier = randomBytes(32).toString("base64url");
    const params = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      resource: crm,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      state: "s1",
    });
    const browser = new Browser();
    const first = await browser.request(`${issuer}/auth?${params}`);
    expect(first.status).toBeGreaterThanOrEqual(300);
    expect(first.status).toBeLessThan(400);
    const next = new URL(first.headers.get("location")!, issuer).href;
    const callback = next.startsWith(REDIRECT) ? new URL(next) : await browser.authorize(next, REDIRECT, { user: "bob" });
    const code = callback.searchParams.get("code");
    expect(code, callback.searchParams.get("error_description") ?? "").toBeTruthy();
    const { body } = await tokenRequest(issuer, { grant_type: "authorization_code", code: code!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, resource: crm });
    return String(jwtClaims(body.access_token!)["scope"]).split(" ").sort();
  }

  it("gets the server's mandatory scopes, and the token carries exactly those", async () => {
    expect(mandatory.length).toBeGreaterThan(0);
    expect(await scopesAfter()).toEqual([...mandatory].sort());
  });

  it("is not served as a form-encoded POST, so no request reaches the authorization server without the default", async () => {
    const res = await fetch(`${issuer}/auth`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "response_type=code&client_id=x" });
    expect(res.status).toBe(404);
  });
});
