import { beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { createEdge, type Edge } from "../../../lambda/index.js";
import { entraPlanSpec } from "../../../components/targets/entra/mapping.js";
import { entraEdgeConfig, entraIssuer } from "../../../components/targets/entra/edge.js";

/**
 * The Entra edge configs against the real edge core: v2-shaped tokens (RS256, `iss` the v2
 * issuer, `aud` the application client-ID GUID, short space-separated `scp`, `ver` 2.0, `tid`)
 * are accepted by the server they were issued for and refused by its sibling. Group restrictions
 * and the agent tier reach the edge through the `roles` claim (app roles).
 */

const plan = compile(crm);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CRM_APP = "0d3c5f0e-1c1a-4b5e-9a57-1f3c2b4d5e6f";
const ADMIN_APP = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a";
const CLIENT = "3f2e1d0c-ba98-4765-8432-10fedcba9876";
const AGENT = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowSec = Math.floor(NOW / 1000);

let edge: Edge;
let sign: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "entra-test-key", use: "sig", alg: "RS256" };
  const spec = entraPlanSpec(plan);
  const cfg = (server: string, app: string) =>
    entraEdgeConfig(plan, spec.servers.find((s) => s.server === server)!, {
      tenantId: TENANT,
      applicationClientId: app,
      jwks: { keys: [jwk as { kty: string }] },
    });
  const fetchRefused = (async () => {
    throw new Error("no network in this test: the JWKS snapshot must be used");
  }) as unknown as typeof fetch;
  edge = createEdge([cfg("crm", CRM_APP), cfg("crm-admin", ADMIN_APP)], { now: () => NOW, fetch: fetchRefused, audit: () => {}, log: () => {} });
  // Claims given by a test override the v2 defaults (issuer, times included).
  sign = (claims) =>
    new SignJWT({
      iss: entraIssuer(TENANT),
      sub: "alice-pairwise-sub",
      iat: nowSec - 60,
      nbf: nowSec - 60,
      exp: nowSec + 3600,
      ver: "2.0",
      tid: TENANT,
      azp: CLIENT,
      oid: "11111111-aaaa-4bbb-8ccc-222222222222",
      // The user is a member of the "CRM Sales Ops" group, assigned the server's `group.sales-ops` app role.
      roles: ["group.sales-ops"],
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "entra-test-key" })
      .sign(privateKey);
});

function call(server: string, tool: string, token: string): Request {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool, arguments: {} } });
  return new Request(`https://mcp.example.com/${server}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-method": "tools/call",
      "mcp-name": tool,
    },
    body,
  });
}

describe("Entra v2 tokens at the edge", () => {
  it("allows a v2 token (GUID aud, short scp) on the server it was issued for", async () => {
    const token = await sign({ aud: CRM_APP, scp: "crm:customers:read crm:deals:read" });
    const d = await edge.authorize(call("crm", "list_customers", token));
    expect(d.allow).toBe(true);
    if (d.allow) expect(d.scopes).toContain("https://mcp.example.com/crm/crm:customers:read");
  });

  it("honours implications through the short scp values", async () => {
    const token = await sign({ aud: CRM_APP, scp: "crm:customers:write" });
    expect((await edge.authorize(call("crm", "get_customer", token))).allow).toBe(true);
  });

  it("refuses with 401 a token issued for the sibling server", async () => {
    const token = await sign({ aud: ADMIN_APP, scp: "crm:customers:read" });
    const d = await edge.authorize(call("crm", "list_customers", token));
    expect(d.allow).toBe(false);
    if (!d.allow) {
      expect(d.response.status).toBe(401);
      expect(d.response.headers.get("www-authenticate")).toMatch(/^Bearer .*resource_metadata=/);
    }
  });

  it("refuses with 401 a v1 token (sts.windows.net issuer, identifier-URI aud)", async () => {
    const token = await sign({ aud: "https://mcp.example.com/crm", scp: "crm:customers:read", iss: `https://sts.windows.net/${TENANT}/`, ver: "1.0" });
    const d = await edge.authorize(call("crm", "list_customers", token));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.response.status).toBe(401);
  });

  it("answers 403 insufficient_scope with the identifier-URI-qualified scope a client must request from Entra", async () => {
    const token = await sign({ aud: CRM_APP, scp: "crm:customers:read" });
    const d = await edge.authorize(call("crm", "delete_customer", token));
    expect(d.allow).toBe(false);
    if (!d.allow) {
      expect(d.response.status).toBe(403);
      const h = d.response.headers.get("www-authenticate") ?? "";
      expect(h).toMatch(/error="insufficient_scope"/);
      expect(h).toContain("https://mcp.example.com/crm/crm:customers:delete");
    }
  });

  it("enforces the declared maximum token age for high-sensitivity tools even though Entra issued a longer token", async () => {
    const old = await sign({ aud: CRM_APP, scp: "crm:customers:delete", iat: nowSec - 20 * 60 });
    const d = await edge.authorize(call("crm", "delete_customer", old));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.response.status).toBe(401);
    const fresh = await sign({ aud: CRM_APP, scp: "crm:customers:delete", iat: nowSec - 5 * 60 });
    expect((await edge.authorize(call("crm", "delete_customer", fresh))).allow).toBe(true);
  });

  it("refuses a delegated scope that none of the user's group roles lists, and every scope to a user in no declared group", async () => {
    const rep = await sign({ aud: CRM_APP, scp: "crm:customers:read crm:customers:delete", roles: ["group.sales-reps"] });
    expect((await edge.authorize(call("crm", "list_customers", rep))).allow).toBe(true);
    const d = await edge.authorize(call("crm", "delete_customer", rep));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.response.status).toBe(403);
    const nobody = await sign({ aud: CRM_APP, scp: "crm:customers:read", roles: undefined });
    const n = await edge.authorize(call("crm", "list_customers", nobody));
    expect(n.allow).toBe(false);
    if (!n.allow) expect(n.response.status).toBe(403);
  });

  it("allows an app-only agent token (idtyp app, roles, no scp) the tools of its application permissions and answers 403 for the others", async () => {
    const agentRoles = ["app.crm:customers:read", "app.crm:deals:read", "app.crm:notes:read", "app.crm:notes:write"];
    const agent = await sign({ aud: CRM_APP, sub: "5c4b3a29-1807-4f6e-8d5c-4b3a29180706", azp: AGENT, roles: agentRoles, oid: undefined, idtyp: "app" });
    const ok = await edge.authorize(call("crm", "list_customers", agent));
    expect(ok.allow).toBe(true);
    if (ok.allow) {
      expect(ok.principal!.clientId).toBe(AGENT);
      expect(ok.principal!.scopes).toContain("https://mcp.example.com/crm/crm:customers:read");
    }
    for (const tool of ["delete_customer", "update_customer"]) {
      const d = await edge.authorize(call("crm", tool, agent));
      expect(d.allow, tool).toBe(false);
      if (!d.allow) expect(d.response.status).toBe(403);
    }
    // The agent tier holds nothing on crm-admin: its token for that application gets no access.
    const admin = await edge.authorize(call("crm-admin", "get_settings", await sign({ aud: ADMIN_APP, azp: AGENT, roles: agentRoles, idtyp: "app" })));
    expect(admin.allow).toBe(false);
    if (!admin.allow) expect(admin.response.status).toBe(403);
  });

  it("does not treat a token without scp as app-only unless it carries idtyp=app", async () => {
    const agentRoles = ["app.crm:customers:read"];
    const noIdtyp = await sign({ aud: CRM_APP, azp: AGENT, roles: agentRoles, oid: undefined, scp: undefined });
    const d = await edge.authorize(call("crm", "list_customers", noIdtyp));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.response.status).toBe(403);
    const user = await sign({ aud: CRM_APP, azp: AGENT, roles: agentRoles, scp: undefined, idtyp: "user" });
    expect((await edge.authorize(call("crm", "list_customers", user))).allow).toBe(false);
  });

  it("answers 401 invalid_token when the roles claim is not an array of strings", async () => {
    const d = await edge.authorize(call("crm", "list_customers", await sign({ aud: CRM_APP, scp: "crm:customers:read", roles: "group.sales-ops" })));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.response.status).toBe(401);
  });

  it("serves RFC 9728 metadata naming the Entra v2 issuer and the qualified mandatory scopes", async () => {
    const res = await edge.handle(new Request("https://mcp.example.com/.well-known/oauth-protected-resource/crm"));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
    expect(doc.resource).toBe("https://mcp.example.com/crm");
    expect(doc.authorization_servers).toEqual([`https://login.microsoftonline.com/${TENANT}/v2.0`]);
    expect(doc.scopes_supported).toContain("https://mcp.example.com/crm/crm:customers:read");
    expect(doc.scopes_supported.every((s) => s.startsWith("https://mcp.example.com/crm/"))).toBe(true);
  });
});
