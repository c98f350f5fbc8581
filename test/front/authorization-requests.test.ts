import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { canonicalResource } from "../../components/front/policy.js";
import { Browser } from "../local/browser.js";
import { crmPlan, REDIRECT } from "../local/fixtures.js";
import { clientCredentials, codeFlow, register, registerPublic, tokenRequest } from "../local/flows.js";
import { adminUrl, crmUrl, jwtClaims, serveDocuments } from "./helpers.js";

/**
 * The authorization front as an MCP client meets it (MCP 2026-07-28 Authorization):
 * - the `resource` parameter (RFC 8707): an MCP server's URI with an uppercase scheme or host is
 *   that server ("Canonical Server URI": implementations SHOULD accept uppercase scheme and host
 *   components), and a request naming no server on a plan of several is refused with
 *   `invalid_target` (RFC 8707 §2) before anyone signs in;
 * - the consent page of a client ID metadata document client whose redirect URIs are all loopback
 *   warns that any local program could receive the authorization ("Localhost Redirect URI Risks").
 */
let stack: DevStack;
let issuer: string;
let docs: Awaited<ReturnType<typeof serveDocuments>>;
beforeAll(async () => {
  stack = await startDevStack({ plan: crmPlan() });
  issuer = stack.authorizationServer.issuer;
  docs = await serveDocuments((origin) => ({
    "/local.json": { body: JSON.stringify({ client_id: `${origin}/local.json`, client_name: "Local-only client", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }) },
    "/mixed.json": { body: JSON.stringify({ client_id: `${origin}/mixed.json`, client_name: "Desktop and web client", redirect_uris: [REDIRECT, "https://vscode.dev/redirect"], token_endpoint_auth_method: "none" }) },
  }));
});
afterAll(async () => {
  await stack?.close();
  await docs?.close();
});

const upper = (url: string) => url.replace(/^http:\/\/127\.0\.0\.1/, "HTTP://127.0.0.1");

function authorizationUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/auth`);
  const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
  for (const [k, v] of Object.entries({ response_type: "code", redirect_uri: REDIRECT, scope: "crm:customers:read", code_challenge: challenge, code_challenge_method: "S256", state: "s1", ...params })) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

describe("the resource parameter", () => {
  it("maps a resource URI with an uppercase scheme and host to that MCP server, at authorization and at refresh, and the token's aud is the canonical URI", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const { token } = await codeFlow(stack, { clientId, redirectUri: REDIRECT, resource: upper(crmUrl(stack)), scope: "crm:customers:read", user: "bob" });
    expect(token.error, token.error_description).toBeUndefined();
    expect(jwtClaims(token.access_token!)["aud"]).toBe(crmUrl(stack));
    const refreshed = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: token.refresh_token!, client_id: clientId, resource: upper(crmUrl(stack)) });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(jwtClaims(refreshed.body.access_token!)["aud"]).toBe(crmUrl(stack));
  });

  it("still compares the path byte-exact: another case or a trailing slash names no MCP server", () => {
    const plan = stack.plan;
    expect(canonicalResource(plan, upper(crmUrl(stack)))).toBe(crmUrl(stack));
    expect(canonicalResource(plan, crmUrl(stack).replace(/crm$/, "CRM"))).toBe(crmUrl(stack).replace(/crm$/, "CRM"));
    expect(canonicalResource(plan, `${crmUrl(stack)}/`)).toBe(`${crmUrl(stack)}/`);
  });

  it("refuses an authorization request naming no resource on a plan of several MCP servers with invalid_target and the front's iss, before any sign-in", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const res = await fetch(authorizationUrl({ client_id: clientId }), { redirect: "manual" });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("location")!);
    expect(back.href.startsWith(REDIRECT)).toBe(true);
    expect(back.searchParams.get("error")).toBe("invalid_target");
    expect(back.searchParams.get("error_description")).toContain(crmUrl(stack));
    expect(back.searchParams.get("error_description")).toContain(adminUrl(stack));
    expect(back.searchParams.get("iss")).toBe(issuer);
    expect(back.searchParams.get("state")).toBe("s1");
  });

  it("refuses client credentials naming no resource on a plan of several MCP servers, instead of issuing a token no MCP server accepts", async () => {
    const agent = stack.authorizationServer.agentCredentials.find((a) => a.clientId === "nightly-digest")!;
    const r = await clientCredentials(issuer, agent.clientId, agent.privateJwk!, { scope: "crm:customers:read" });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_target");
    expect(r.body.access_token).toBeUndefined();
  });
});

describe("the consent page of a client ID metadata document client", () => {
  async function consentPage(doc: string): Promise<string> {
    const browser = new Browser();
    const callback = await browser.authorize(authorizationUrl({ client_id: `${docs.origin}${doc}`, resource: crmUrl(stack) }), REDIRECT, { user: "bob" });
    expect(callback.searchParams.get("code")).toBeTruthy();
    return browser.visits.find((v) => v.kind === "consent")!.html;
  }

  it("names the redirect host and warns when every redirect URI of the document is loopback", async () => {
    const html = await consentPage("/local.json");
    expect(html).toContain("will be sent back to <strong>127.0.0.1:45871</strong>");
    expect(html).toMatch(/class="warn">This client only returns to a program on your own computer/);
  });

  it("does not warn when the document also names an https redirect URI", async () => {
    const html = await consentPage("/mixed.json");
    expect(html).toContain("will be sent back to <strong>127.0.0.1:45871</strong>");
    expect(html).not.toContain("only returns to a program on your own computer");
  });
});

describe("the redirect URI of an authorization request", () => {
  async function answer(clientId: string, redirectUri: string | undefined): Promise<{ status: number; text: string }> {
    const res = await fetch(authorizationUrl({ client_id: clientId, resource: crmUrl(stack), redirect_uri: redirectUri }), { redirect: "manual" });
    return { status: res.status, text: await res.text() };
  }

  it("must equal a registered one exactly, port included, for a client registered without application_type (OpenID Connect's default, web)", async () => {
    const clientId = String((await register(issuer, { redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" })).body["client_id"]);
    expect((await answer(clientId, REDIRECT)).status).toBe(303);
    const other = await answer(clientId, "http://127.0.0.1:45999/callback");
    expect(other.status).toBe(400);
    expect(other.text).toContain("invalid_redirect_uri");
  });

  it("may change the port of a loopback redirect URI for a client registered as native (RFC 8252 §7.3)", async () => {
    const clientId = String((await register(issuer, { redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", application_type: "native" })).body["client_id"]);
    expect((await answer(clientId, "http://127.0.0.1:45999/callback")).status).toBe(303);
    expect((await answer(clientId, "http://127.0.0.1:45999/other")).status).toBe(400);
  });

  it("is required even when the client registered only one", async () => {
    const clientId = await registerPublic(issuer, REDIRECT);
    const r = await answer(clientId, undefined);
    expect(r.status).toBe(400);
    expect(r.text).toContain("missing required parameter &#39;redirect_uri&#39;");
  });
});
