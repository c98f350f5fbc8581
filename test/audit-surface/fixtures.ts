import { appendFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { createEdge } from "../../lambda/core/edge.js";
import { crmConfig, mint, NOW, NOW_MS, RESOURCE, rsaKey } from "../edge/helpers.js";

/** A test IdP (oidc-provider with its development login pages) whose users carry groups. */
export async function startTestIdp(users: Record<string, string[]>, client: { id: string; secret: string; redirectUri: string }): Promise<{ issuer: string; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirectUri], grant_types: ["authorization_code"], response_types: ["code"] }],
    claims: { openid: ["sub"], email: ["email"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    // Groups in the ID token, as Okta's groups claim and Entra's groupMembershipClaims put them.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      return { accountId: id, claims: () => ({ sub: id, email: `${id}@example.com`, groups: users[id] ?? [] }) };
    },
  });
  server.on("request", provider.callback());
  return { issuer, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/**
 * Real audit records: the edge (the Lambda's own code) answers a few MCP calls for the CRM server and
 * its audit sink appends each record to `file`, as the local stack does. One call is a denied
 * high-sensitivity tool call (`export_customers` without `crm:customers:export`).
 */
export async function writeEdgeAuditRecords(file: string): Promise<void> {
  const key = rsaKey();
  let clock = NOW_MS;
  const edge = createEdge(crmConfig([key]), {
    now: () => clock,
    audit: (_record, line) => appendFileSync(file, `${line}\n`),
    fetch: async () => new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [] } }), { headers: { "content-type": "application/json" } }),
  });
  const call = async (name: string, scope: string, sub: string): Promise<number> => {
    clock += 1000;
    const token = mint(key, { scope, sub, iat: NOW - 30 });
    const res = await edge.handle(
      new Request(RESOURCE, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: { customer_id: "cus_4711" } } }),
      }),
    );
    await res.body?.cancel();
    return res.status;
  };
  await call("list_customers", "crm:customers:read", "alice");
  await call("get_customer", "crm:customers:read", "carol");
  if ((await call("export_customers", "crm:customers:read", "mallory")) !== 403) throw new Error("expected the export to be refused");
  await call("list_deals", "crm:deals:read", "alice");
}
