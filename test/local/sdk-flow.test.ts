import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { Browser, jwtClaims, MemoryOAuthProvider } from "./browser.js";
import { crmPlanDcrHigh, REDIRECT } from "./fixtures.js";

/**
 * The whole MCP authorization flow with the official SDK client against the local stack:
 * 401 → RFC 9728 discovery → RFC 8414 discovery → RFC 7591 registration → authorization with PKCE
 * and `resource` → token → tools/list → routine tool → 403 insufficient_scope → re-authorization
 * with the challenged scopes → success.
 */
describe("the official SDK client against the local stack", () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ plan: crmPlanDcrHigh() });
  });
  afterAll(async () => stack?.close());

  const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? "");

  it("registers, authorizes, calls a routine tool, is challenged for a high tool and succeeds after step-up", async () => {
    const crm = stack.servers.find((s) => s.name === "crm")!;
    const provider = new MemoryOAuthProvider(REDIRECT, {
      client_name: "sdk e2e",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    });
    const browser = new Browser();

    // 1. No token: the edge answers 401, the SDK discovers and registers, then asks us to redirect.
    const first = new Client({ name: "e2e", version: "1.0.0" });
    await expect(first.connect(new StreamableHTTPClientTransport(new URL(crm.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
    // RFC 9728 then RFC 8414 discovery happened (the SDK records what it found).
    const discovered = provider.discoveryState() as unknown as { authorizationServerUrl: string; resourceMetadata: { resource: string; authorization_servers: string[] }; authorizationServerMetadata: { issuer: string; registration_endpoint: string } };
    expect(discovered.resourceMetadata.resource).toBe(crm.mcpUrl);
    expect(discovered.resourceMetadata.authorization_servers).toEqual([stack.authorizationServer.issuer]);
    expect(discovered.authorizationServerMetadata.issuer).toBe(stack.authorizationServer.issuer);
    // RFC 7591: registered dynamically, hence a client of the dcr tier.
    expect(provider.client?.client_id).toBeTruthy();
    const authUrl = provider.lastAuthorizationUrl!;
    expect(authUrl.origin).toBe(stack.authorizationServer.issuer);
    expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authUrl.searchParams.get("resource")).toBe(crm.mcpUrl);

    // 2. Sign in as alice (sales-ops) and accept the consent page; RFC 9207 `iss` comes back.
    const cb = await browser.authorize(authUrl.href, REDIRECT, { user: "alice" });
    expect(cb.searchParams.get("iss")).toBe(stack.authorizationServer.issuer);
    const code = cb.searchParams.get("code");
    expect(code).toBeTruthy();
    const transport = new StreamableHTTPClientTransport(new URL(crm.mcpUrl), { authProvider: provider });
    await transport.finishAuth(code!);
    const claims = jwtClaims(provider.savedTokens!.access_token);
    expect(claims["aud"]).toBe(crm.mcpUrl);
    expect(String(claims["scope"]).split(" ")).toContain("crm:customers:read");
    expect(String(claims["scope"]).split(" ")).not.toContain("crm:customers:delete");

    // 3. tools/list and a routine tool go through the edge to the demo server.
    const client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(transport);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("delete_customer");
    const list = await client.callTool({ name: "list_customers", arguments: {} });
    expect(text(list)).toContain("Acme Ltd");

    // 4. A high-sensitivity tool: the edge answers 403 insufficient_scope naming the scope.
    const raw = await fetch(crm.mcpUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${provider.savedTokens!.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "delete_customer", arguments: { id: "c3" } } }),
    });
    expect(raw.status).toBe(403);
    const challenge = raw.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    const challenged = /scope="([^"]*)"/.exec(challenge)?.[1]?.split(" ") ?? [];
    expect(challenged).toContain("crm:customers:delete");
    // The SDK itself refreshes (same scopes) and gives up with a 403.
    await expect(client.callTool({ name: "delete_customer", arguments: { id: "c3" } })).rejects.toThrow(/403/);

    // 5. Re-authorize with the union of held and challenged scopes (MCP 2026-07-28, SEP-2350).
    const held = String(jwtClaims(provider.savedTokens!.access_token)["scope"]).split(" ");
    provider.invalidateCredentials("tokens");
    const scope = [...new Set([...held, ...challenged])].join(" ");
    expect(await auth(provider, { serverUrl: crm.mcpUrl, scope })).toBe("REDIRECT");
    const cb2 = await browser.authorize(provider.lastAuthorizationUrl!.href, REDIRECT, { user: "alice" });
    expect(browser.visits.map((v) => v.kind)).toEqual(["login", "consent", "consent", "step-up"]);
    expect(await auth(provider, { serverUrl: crm.mcpUrl, authorizationCode: cb2.searchParams.get("code")! })).toBe("AUTHORIZED");
    const stepped = jwtClaims(provider.savedTokens!.access_token);
    expect(String(stepped["scope"]).split(" ")).toContain("crm:customers:delete");
    // High sensitivity: 15-minute token (plan accessTokenMinutes.high).
    expect(Number(stepped["exp"]) - Number(stepped["iat"])).toBe(15 * 60);

    const again = new Client({ name: "e2e", version: "1.0.0" });
    await again.connect(new StreamableHTTPClientTransport(new URL(crm.mcpUrl), { authProvider: provider }));
    const deleted = await again.callTool({ name: "delete_customer", arguments: { id: "c3" } });
    expect(deleted.isError).toBeFalsy();
    expect(text(deleted)).toContain("Initech");
    expect(stack.demo.store.get("customers")?.some((c) => c.id === "c3")).toBe(false);
    await Promise.all([client.close(), again.close()]);
  });
});
