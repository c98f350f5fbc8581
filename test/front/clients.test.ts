import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { PrivateKeyJwtProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { frontSubject } from "../../components/front/federation.js";
import { Browser, MemoryOAuthProvider } from "../local/browser.js";
import { crmPlan, REDIRECT } from "../local/fixtures.js";
import { CLAUDE_REDIRECT, crmUrl, jwtClaims, scopesOf, serveDocuments } from "./helpers.js";

/**
 * Every kind of client through the front, with the official MCP SDK client: the front federates
 * sign-in to the embedded upstream IdP (OIDC code + PKCE), maps the upstream user and groups onto
 * the plan, and issues audience-bound RFC 9068 tokens the edge accepts.
 */
describe("the official SDK client through the authorization front", () => {
  let stack: DevStack;
  let docs: Awaited<ReturnType<typeof serveDocuments>>;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
    docs = await serveDocuments((origin) => ({
      "/client.json": { body: JSON.stringify({ client_id: `${origin}/client.json`, client_name: "CIMD test client", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" }) },
    }));
  });
  afterAll(async () => {
    await stack?.close();
    await docs?.close();
  });

  const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]?.text ?? "";

  /** 401 → discovery → (registration) → browser sign-in at the upstream → consent → token → connected client. */
  async function signIn(provider: MemoryOAuthProvider, user: string): Promise<{ client: Client; browser: Browser }> {
    const url = new URL(crmUrl(stack));
    await expect(new Client({ name: "t", version: "1" }).connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
    const browser = new Browser();
    const cb = await browser.authorize(provider.lastAuthorizationUrl!.href, provider.redirectUrl, { user });
    // RFC 9207: the front names itself in the authorization response.
    expect(cb.searchParams.get("iss")).toBe(stack.authorizationServer.issuer);
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await transport.finishAuth(cb.searchParams.get("code")!);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(transport);
    return { client, browser };
  }

  function expectFrontToken(token: string, user: string) {
    const c = jwtClaims(token);
    expect(c["iss"]).toBe(stack.authorizationServer.issuer);
    expect(c["aud"]).toBe(crmUrl(stack));
    // `sub` is the front's keyed hash of the upstream issuer and subject, not the upstream's own.
    expect(c["sub"]).toBe(frontSubject("pulumi-mcp-auth front subject", stack.authorizationServer.upstreamIssuer, user));
    expect(c["sub"]).not.toBe(user);
    expect(typeof c["auth_time"]).toBe("number");
    expect(typeof c["consent_time"]).toBe("number");
  }

  it("signs a CIMD client in (URL client ID; loopback document allowed in dev mode) and calls a tool", async () => {
    const clientId = `${docs.origin}/client.json`;
    const provider = new MemoryOAuthProvider(REDIRECT, { client_name: "cimd", redirect_uris: [REDIRECT] }, { client_id: clientId });
    const { client, browser } = await signIn(provider, "bob");
    expect(browser.visits.map((v) => v.kind)).toEqual(["login", "consent"]);
    expect(browser.visits[1]!.html).toContain("CIMD test client");
    expectFrontToken(provider.savedTokens!.access_token, "bob");
    expect(jwtClaims(provider.savedTokens!.access_token)["client_id"]).toBe(clientId);
    expect(text(await client.callTool({ name: "list_customers", arguments: {} }))).toContain("Acme Ltd");
    await client.close();
  });

  it("registers a DCR client, signs it in at the upstream IdP and maps the user's groups onto scopes", async () => {
    const provider = new MemoryOAuthProvider(REDIRECT, { client_name: "dcr", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" });
    const { client } = await signIn(provider, "bob");
    expect(provider.client?.client_id).toMatch(/^[A-Za-z0-9_-]+$/);
    expectFrontToken(provider.savedTokens!.access_token, "bob");
    // bob's upstream group "CRM Sales" maps to the plan group sales-reps: customers:read, not export.
    expect(scopesOf(provider.savedTokens!.access_token)).toContain("crm:customers:read");
    expect(text(await client.callTool({ name: "list_customers", arguments: {} }))).toContain("Globex");
    await client.close();
  });

  it("signs a pre-registered client in with its registered redirect URI", async () => {
    const provider = new MemoryOAuthProvider(CLAUDE_REDIRECT, { client_name: "Claude Code", redirect_uris: [CLAUDE_REDIRECT] }, { client_id: "claude-code" });
    const { client } = await signIn(provider, "alice");
    expectFrontToken(provider.savedTokens!.access_token, "alice");
    expect(provider.savedTokens!.refresh_token).toBeTruthy();
    expect(text(await client.callTool({ name: "list_customers", arguments: {} }))).toContain("Initech");
    await client.close();
  });

  it("issues a client-credentials agent a token with private_key_jwt through the SDK, without any user", async () => {
    const agent = stack.authorizationServer.agentCredentials.find((a) => a.clientId === "nightly-digest")!;
    const provider = new PrivateKeyJwtProvider({ clientId: agent.clientId, privateKey: agent.privateJwk as Record<string, unknown>, algorithm: "ES256", scope: "crm:customers:read", expectedIssuer: stack.authorizationServer.issuer });
    const client = new Client({ name: "agent", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(crmUrl(stack)), { authProvider: provider }));
    const token = provider.tokens()!.access_token;
    expect(jwtClaims(token)["iss"]).toBe(stack.authorizationServer.issuer);
    expect(jwtClaims(token)["aud"]).toBe(crmUrl(stack));
    expect(jwtClaims(token)["client_id"]).toBe("nightly-digest");
    expect(text(await client.callTool({ name: "list_customers", arguments: {} }))).toContain("Acme Ltd");
    await client.close();
  });

  it("serves discovery advertising S256 only, the CIMD flag, iss in responses and scopes without offline_access", async () => {
    const md = (await (await fetch(stack.authorizationServer.metadataUrl)).json()) as Record<string, unknown>;
    expect(md["code_challenge_methods_supported"]).toEqual(["S256"]);
    expect(md["client_id_metadata_document_supported"]).toBe(true);
    expect(md["authorization_response_iss_parameter_supported"]).toBe(true);
    const scopes = md["scopes_supported"] as string[];
    expect(scopes).not.toContain("offline_access");
    expect(scopes).toEqual(expect.arrayContaining(["crm:customers:read", "crm:settings:write"]));
  });
});

describe("a sign-in cancelled at the upstream IdP", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlan() });
  });
  afterAll(async () => stack?.close());

  it("sends the client access_denied with the front's iss, and no code", async () => {
    const issuer = stack.authorizationServer.issuer;
    const url = new URL(`${issuer}/auth`);
    for (const [k, v] of Object.entries({ response_type: "code", client_id: "claude-code", redirect_uri: CLAUDE_REDIRECT, scope: "crm:customers:read", resource: crmUrl(stack), code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256", state: "s1" })) url.searchParams.set(k, v);
    const browser = new Browser();
    let res = await browser.request(url.href);
    let current = url.href;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get("location")!, current).href;
      res = await browser.request(current);
    }
    const csrf = /name="csrf" value="([^"]*)"/.exec(await res.text())![1]!;
    res = await browser.request(`${current}/abort`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrf }).toString() });
    current = new URL(res.headers.get("location")!, current).href;
    while (!current.startsWith(CLAUDE_REDIRECT)) {
      res = await browser.request(current);
      current = new URL(res.headers.get("location")!, current).href;
    }
    const cb = new URL(current);
    expect(cb.searchParams.get("error")).toBe("access_denied");
    expect(cb.searchParams.get("code")).toBeNull();
    expect(cb.searchParams.get("state")).toBe("s1");
    expect(cb.searchParams.get("iss")).toBe(issuer);
  });
});
