import { describe, expect, it } from "vitest";
import { auth0ClientGrantNoAllScopes } from "../src/auth0/clientGrantNoAllScopes.js";
import { auth0ClientNoRemovedGrants } from "../src/auth0/clientNoRemovedGrants.js";
import { auth0ResourceServerCanonicalIdentifier } from "../src/auth0/resourceServerCanonicalIdentifier.js";
import { auth0ResourceServerScopesNoOmnibus } from "../src/auth0/resourceServerScopesNoOmnibus.js";
import { auth0ResourceServerTokenLifetime } from "../src/auth0/resourceServerTokenLifetime.js";
import { auth0TenantDcrCapped } from "../src/auth0/tenantDcrCapped.js";
import { violations } from "./harness.js";

const RS = "auth0:index/resourceServer:ResourceServer";
const rs = (over: Record<string, unknown> = {}) => ({
  type: RS,
  name: "crm",
  props: { identifier: "https://mcp.example.com/crm", name: "CRM", tokenLifetime: 900, tokenDialect: "rfc9068_profile", signingAlg: "RS256", ...over },
});
const scopes = (names: string[]) => ({
  type: "auth0:index/resourceServerScopes:ResourceServerScopes",
  name: "crm-scopes",
  props: { resourceServerIdentifier: "https://mcp.example.com/crm", scopes: names.map((name) => ({ name, description: name })) },
});
const grant = (over: Record<string, unknown> = {}) => ({
  type: "auth0:index/clientGrant:ClientGrant",
  name: "g",
  props: { clientId: "abc123", audience: "https://mcp.example.com/crm", scopes: ["crm:customers:read"], subjectType: "user", ...over },
});
const client = (over: Record<string, unknown> = {}) => ({ type: "auth0:index/client:Client", name: "c", props: { name: "Claude Code", appType: "native", grantTypes: ["authorization_code", "refresh_token"], ...over } });
const tenant = (dcr: boolean) => ({ type: "auth0:index/tenant:Tenant", name: "t", props: { resourceParameterProfile: "compatibility", flags: { enableDynamicClientRegistration: dcr } } });

describe("Auth0 resource policies", () => {
  it("pass the happy-path API, scopes, grant, client and DCR tenant", async () => {
    expect(await violations(auth0ResourceServerTokenLifetime, rs())).toEqual([]);
    expect(await violations(auth0ResourceServerCanonicalIdentifier, rs())).toEqual([]);
    expect(await violations(auth0ResourceServerScopesNoOmnibus, scopes(["crm:customers:read"]))).toEqual([]);
    expect(await violations(auth0ClientGrantNoAllScopes, grant())).toEqual([]);
    expect(await violations(auth0ClientNoRemovedGrants, client())).toEqual([]);
    expect(await violations(auth0TenantDcrCapped, [tenant(true), grant({ clientId: undefined, defaultFor: "third_party_clients" })])).toEqual([]);
  });

  it("blocks an API without an explicit token lifetime, naming Auth0's one-day default", async () => {
    expect(await violations(auth0ResourceServerTokenLifetime, rs({ tokenLifetime: undefined }))).toEqual([
      "Auth0 resource server 'https://mcp.example.com/crm' does not set 'tokenLifetime', so Auth0 issues 86400-second (one-day) tokens; set it to at most 3600.",
    ]);
  });

  it("blocks an API whose lifetime exceeds the configured bound", async () => {
    expect(await violations(auth0ResourceServerTokenLifetime, rs({ tokenLifetime: 1800 }), { maxTokenLifetimeSeconds: 900 })).toEqual([
      "Auth0 resource server 'https://mcp.example.com/crm' issues 1800-second access tokens; set 'tokenLifetime' to at most 900.",
    ]);
  });

  it("blocks an identifier with a trailing slash", async () => {
    expect(await violations(auth0ResourceServerCanonicalIdentifier, rs({ identifier: "https://mcp.example.com/crm/" }))).toEqual([
      "Auth0 resource server identifier 'https://mcp.example.com/crm/' must not end with a trailing slash; use the MCP server's canonical URI, e.g. 'https://mcp.example.com/crm'.",
    ]);
  });

  it("blocks an omnibus API scope", async () => {
    expect(await violations(auth0ResourceServerScopesNoOmnibus, scopes(["crm:customers:read", "full_access"]))).toEqual([
      "Auth0 scope 'full_access' on 'https://mcp.example.com/crm' grants everything; declare one scope per resource and verb.",
    ]);
  });

  it("blocks a client grant with all scopes", async () => {
    expect(await violations(auth0ClientGrantNoAllScopes, grant({ allowAllScopes: true, scopes: [] }))).toEqual([
      "Auth0 client grant for 'abc123' on 'https://mcp.example.com/crm' allows all scopes; list exactly the scopes the tier may hold.",
    ]);
  });

  it("blocks the implicit grant on a client", async () => {
    expect(await violations(auth0ClientNoRemovedGrants, client({ grantTypes: ["implicit"] }))).toEqual([
      "Auth0 client 'Claude Code' allows the 'implicit' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.",
    ]);
  });

  it("blocks a DCR tenant without a default grant for third-party clients", async () => {
    expect(await violations(auth0TenantDcrCapped, [tenant(true), grant()])).toEqual([
      "The Auth0 tenant enables dynamic client registration but no client grant with 'defaultFor: \"third_party_clients\"' caps what registered clients may hold; add one listing only routine scopes.",
    ]);
  });

  it("blocks a third-party default grant holding an export scope", async () => {
    expect(await violations(auth0TenantDcrCapped, [tenant(true), grant({ clientId: undefined, defaultFor: "third_party_clients", scopes: ["crm:customers:read", "crm:customers:export"] })])).toEqual([
      "The default grant for third-party clients on 'https://mcp.example.com/crm' includes crm:customers:export, above the DCR tier's cap; remove them or require a pre-registered client.",
    ]);
  });

  it("ignores default grants when the tenant has DCR off", async () => {
    expect(await violations(auth0TenantDcrCapped, [tenant(false), grant({ defaultFor: "third_party_clients", allowAllScopes: true })])).toEqual([]);
  });
});
