import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { esc } from "../../components/front/pages.js";
import { Browser } from "./browser.js";
import { crmPlan, REDIRECT } from "./fixtures.js";
import { register } from "./flows.js";

/** The interaction pages as an attacker sees them: escaping, CSRF, headers. */
describe("the sign-in, consent and step-up pages", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
  });
  afterAll(async () => stack?.close());

  async function openLogin(clientName: string): Promise<{ browser: Browser; url: string; res: Response; html: string }> {
    const issuer = stack.authorizationServer.issuer;
    const r = await register(issuer, { client_name: clientName, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" });
    const url = new URL(`${issuer}/auth`);
    const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
    for (const [k, v] of Object.entries({ response_type: "code", client_id: String(r.body["client_id"]), redirect_uri: REDIRECT, scope: "crm:customers:read", resource: stack.servers[0]!.mcpUrl, code_challenge: challenge, code_challenge_method: "S256" })) url.searchParams.set(k, v);
    const browser = new Browser();
    let res = await browser.request(url.href);
    let current = url.href;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get("location")!, current).href;
      res = await browser.request(current);
    }
    return { browser, url: current, res, html: await res.text() };
  }

  it("escapes every interpolated value", async () => {
    expect(esc(`<a href="x">'&\``)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#96;");
    // The client's name is shown on the front's consent page, after sign-in at the upstream IdP.
    const { browser, url, html: login } = await openLogin(`<script>alert(1)</script>`);
    const csrf = /name="csrf" value="([^"]*)"/.exec(login)![1]!;
    let res = await browser.request(`${url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf, username: "bob" }).toString() });
    let current = `${url}/login`;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get("location")!, current).href;
      res = await browser.request(current);
    }
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Authorize access");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
  });

  it("sends no-store, anti-framing and a script-free CSP", async () => {
    const { res } = await openLogin("headers");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).not.toContain("script-src");
  });

  it("refuses a form post without the page's CSRF token", async () => {
    const { browser, url } = await openLogin("csrf");
    const res = await browser.request(`${url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf: "forged", username: "alice" }).toString() });
    expect(res.status).toBe(403);
  });

  it("refuses a form post from a browser without the interaction cookie", async () => {
    const { url, html } = await openLogin("cookie");
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
    const res = await fetch(`${url}/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf, username: "alice" }).toString() });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("expired or its cookie is missing");
  });

  it("refuses to sign in a user that is not seeded", async () => {
    const { browser, url, html } = await openLogin("unknown user");
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
    const res = await browser.request(`${url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf, username: "mallory" }).toString() });
    expect(res.status).toBe(400);
  });
});
