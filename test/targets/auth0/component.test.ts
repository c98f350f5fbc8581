import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../../lambda/config.js";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { AGENT_PUBLIC_KEY_PEM, crmArgs, crmPlan, DOMAIN } from "./fixtures.js";

const T = {
  rs: "auth0:index/resourceServer:ResourceServer",
  scopes: "auth0:index/resourceServerScopes:ResourceServerScopes",
  client: "auth0:index/client:Client",
  creds: "auth0:index/clientCredentials:ClientCredentials",
  grant: "auth0:index/clientGrant:ClientGrant",
  cimd: "auth0:index/clientCimd:ClientCimd",
  tenant: "auth0:index/tenant:Tenant",
  connection: "auth0:index/connection:Connection",
  connectionClients: "auth0:index/connectionClients:ConnectionClients",
} as const;

let mocks: MockHarness;
// Imported after setMocks so that nothing registers against the real engine.
let mod: typeof import("../../../components/targets/auth0/index.js");

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => (a.type === T.client || a.type === T.cimd ? { clientId: `${a.name}-client-id` } : undefined),
  });
  mod = await import("../../../components/targets/auth0/index.js");
});

/** Resources of a type registered by the component instance `prefix`. */
const of = (type: string, prefix: string): RecordedResource[] => mocks.ofType(type).filter((r) => r.name.startsWith(`${prefix}-`));
const named = (name: string) => mocks.byName(name);

describe("Auth0McpAuth on the CRM example (tenant not managed)", () => {
  let component: InstanceType<typeof mod.Auth0McpAuth>;
  beforeAll(async () => {
    component = new mod.Auth0McpAuth("crm", crmArgs());
    await promiseOf(component.outputs);
    await mocks.settled();
  });

  it("creates one API and one scope list per MCP server, three clients with credentials, seven grants, and nothing tenant-wide", () => {
    expect(of(T.rs, "crm").map((r) => r.inputs.identifier).sort()).toEqual(["https://mcp.example.com/crm", "https://mcp.example.com/crm-admin"]);
    expect(of(T.scopes, "crm")).toHaveLength(2);
    expect(of(T.client, "crm").map((r) => r.name).sort()).toEqual(["crm-agent-nightly-digest", "crm-verified-claude-code", "crm-verified-internal-portal"]);
    expect(of(T.creds, "crm")).toHaveLength(3);
    expect(of(T.grant, "crm")).toHaveLength(7);
    expect(of(T.tenant, "crm")).toEqual([]);
    expect(of(T.connection, "crm")).toEqual([]);
    expect(of(T.cimd, "crm")).toEqual([]);
  });

  it("sets identifier, explicit lifetime, RFC 9068 dialect, signing and access policy on each API", () => {
    expect(named("crm-crm-api").inputs).toMatchObject({
      identifier: "https://mcp.example.com/crm",
      name: "CRM",
      signingAlg: "RS256",
      tokenDialect: "rfc9068_profile",
      tokenLifetime: 900,
      tokenLifetimeForWeb: 900,
      allowOfflineAccess: true,
      skipConsentForVerifiableFirstPartyClients: false,
      enforcePolicies: false,
      subjectTypeAuthorization: { user: { policy: "require_client_grant" }, client: { policy: "require_client_grant" } },
    });
    expect(named("crm-crm-admin-api").inputs).toMatchObject({ tokenLifetime: 300, allowOfflineAccess: false, subjectTypeAuthorization: { client: { policy: "deny_all" } } });
  });

  it("owns every scope of each API through ResourceServerScopes, with descriptions", () => {
    const inputs = named("crm-crm-scopes").inputs;
    expect(inputs.resourceServerIdentifier).toBe("https://mcp.example.com/crm");
    expect(inputs.scopes.map((s: { name: string }) => s.name)).toEqual(crmPlan().servers.find((s) => s.name === "crm")!.scopes);
    expect(inputs.scopes.every((s: { description: string }) => s.description.length > 0)).toBe(true);
  });

  it("grants each tier only its scopes, wired to the right client id and audience", () => {
    const plan = crmPlan();
    const access = (srv: string, tier: string) => plan.servers.find((s) => s.name === srv)!.access.find((a) => a.tier === tier)!.scopes;
    expect(named("crm-crm-verified-claude-code-user").inputs).toEqual({
      audience: "https://mcp.example.com/crm",
      clientId: "crm-verified-claude-code-client-id",
      scopes: access("crm", "verified"),
      subjectType: "user",
    });
    expect(named("crm-crm-agent-nightly-digest-client").inputs).toEqual({
      audience: "https://mcp.example.com/crm",
      clientId: "crm-agent-nightly-digest-client-id",
      scopes: access("crm", "agent"),
      subjectType: "client",
    });
    expect(named("crm-crm-admin-verified-internal-portal-user").inputs.scopes).toEqual(access("crm-admin", "verified"));
  });

  it("gives DCR (third-party) clients a default grant within the DCR cap, with no client id", () => {
    const plan = crmPlan();
    const dcr = plan.tiers.find((t) => t.name === "dcr")!;
    const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
    for (const srv of ["crm", "crm-admin"]) {
      const g = named(`crm-${srv}-third-party-default`).inputs;
      expect(g).toMatchObject({ audience: `https://mcp.example.com/${srv}`, defaultFor: "third_party_clients", subjectType: "user" });
      expect(g.clientId).toBeUndefined();
      expect(g.scopes.length).toBeGreaterThan(0);
      expect(g.scopes.every((s: string) => sensitivity.get(s) === dcr.maxSensitivity)).toBe(true);
    }
    const all = of(T.grant, "crm").filter((g) => g.inputs.defaultFor !== undefined);
    expect(all.flatMap((g) => g.inputs.scopes).filter((s: string) => sensitivity.get(s) !== "routine")).toEqual([]);
  });

  it("registers verified clients first-party with exact callbacks and PKCE-only public auth", () => {
    expect(named("crm-verified-claude-code").inputs).toMatchObject({
      name: "Claude Code",
      appType: "native",
      isFirstParty: true,
      oidcConformant: true,
      grantTypes: ["authorization_code", "refresh_token"],
      callbacks: ["http://127.0.0.1:33418/callback", "http://localhost:33418/callback"],
      refreshToken: { rotationType: "rotating", expirationType: "expiring", tokenLifetime: 2_592_000 },
    });
    expect(named("crm-verified-claude-code").inputs).not.toHaveProperty("tokenEndpointAuthMethod");
    expect(named("crm-verified-claude-code-credentials").inputs).toEqual({ clientId: "crm-verified-claude-code-client-id", authenticationMethod: "none" });
    expect(named("crm-verified-internal-portal").inputs.appType).toBe("spa");
  });

  it("registers the agent as a non-interactive client authenticating with its public key", () => {
    expect(named("crm-agent-nightly-digest").inputs).toMatchObject({ appType: "non_interactive", isFirstParty: true, grantTypes: ["client_credentials"] });
    expect(named("crm-agent-nightly-digest").inputs.refreshToken).toBeUndefined();
    const creds = named("crm-agent-nightly-digest-credentials").inputs;
    expect(creds.authenticationMethod).toBe("private_key_jwt");
    expect(creds.privateKeyJwt.credentials).toEqual([{ credentialType: "public_key", pem: AGENT_PUBLIC_KEY_PEM, name: "agent.nightly-digest key" }]);
  });

  it("outputs the byte-exact issuer, JWKS URI, client ids and per-server facts", async () => {
    const out = await promiseOf(component.outputs);
    expect(out.issuer).toBe(`https://${DOMAIN}/`);
    expect(out.jwksUri).toBe(`https://${DOMAIN}/.well-known/jwks.json`);
    expect(out.clientIds).toEqual({
      "verified.claude-code": "crm-verified-claude-code-client-id",
      "verified.internal-portal": "crm-verified-internal-portal-client-id",
      "agent.nightly-digest": "crm-agent-nightly-digest-client-id",
    });
    expect(out.servers.crm).toMatchObject({ issuer: `https://${DOMAIN}/`, tokenLifetimeSeconds: 900, tokenDialect: "rfc9068_profile", resourceServerId: "crm-crm-api-id" });
    expect(Object.keys(out.servers["crm-admin"]!.clientIds).sort()).toEqual(["verified.claude-code", "verified.internal-portal"]);
    expect(out.tenantSettings.managed).toBe(false);
    expect(out.tenantSettings.manualSteps.join(" ")).toMatch(/compatibility/);
    expect(out.capabilities.target).toBe("auth0");
    expect(await promiseOf(component.issuer)).toBe(out.issuer);
  });

  it("outputs an edge config per server that validates against the edge schema", async () => {
    const configs = await promiseOf(component.edgeConfigs);
    expect(Object.keys(configs).sort()).toEqual(["crm", "crm-admin"]);
    for (const [name, cfg] of Object.entries(configs)) {
      const parsed = parseEdgeConfig(JSON.parse(JSON.stringify(cfg)));
      expect(parsed.authorizationServers).toEqual([`https://${DOMAIN}/`]);
      expect(parsed.issuers).toEqual([`https://${DOMAIN}/`]);
      expect(parsed.audiences).toEqual([`https://mcp.example.com/${name}`]);
      expect(parsed.tokenTypes).toEqual(["at+jwt"]);
      expect(parsed.algorithms).toEqual(["RS256"]);
      expect(parsed.introspection).toBeUndefined();
    }
    expect(configs["crm-admin"]!.maxTokenAgeSeconds.critical).toBe(300);
  });

  it("parents every child to the component", () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
    const urns = [...monitor.getRegisteredResources().keys()].filter((u) => u.endsWith("::crm") || /::crm-/.test(u));
    const children = urns.filter((u) => !u.endsWith(`${mod.MCP_AUTH_AUTH0_TYPE}::crm`));
    expect(children.length).toBe(2 + 2 + 3 + 3 + 7);
    for (const urn of children) expect(urn).toContain(`::${mod.MCP_AUTH_AUTH0_TYPE}$auth0:index/`);
  });
});

describe("Auth0McpAuth with tenant management and a domain connection", () => {
  beforeAll(async () => {
    const c = new mod.Auth0McpAuth("managed", crmArgs({ tenant: { manage: true }, domainConnection: { name: "mcp-users" } }));
    await promiseOf(c.outputs);
    await mocks.settled();
  });

  it("sets the RFC 8707 compatibility profile, DCR, CIMD and scope-description flags, and leaves the default audience alone", () => {
    const tenant = of(T.tenant, "managed");
    expect(tenant).toHaveLength(1);
    expect(tenant[0]!.inputs).toEqual({
      resourceParameterProfile: "compatibility",
      clientIdMetadataDocumentSupported: true,
      flags: { enableDynamicClientRegistration: true, useScopeDescriptionsForConsent: true },
    });
  });

  it("creates a domain-level database connection enabled for the first-party interactive clients only", () => {
    expect(named("managed-connection").inputs).toMatchObject({ name: "mcp-users", strategy: "auth0", isDomainConnection: true, options: { disableSignup: false } });
    expect(named("managed-connection-clients").inputs).toEqual({
      connectionId: "managed-connection-id",
      enabledClients: ["managed-verified-claude-code-client-id", "managed-verified-internal-portal-client-id"],
    });
  });
});

describe("Auth0McpAuth argument validation", () => {
  it("throws before registering anything when the arguments are invalid", () => {
    const before = mocks.resources.length;
    expect(() => new mod.Auth0McpAuth("bad", { ...crmArgs(), domain: "https://acme.eu.auth0.com/", clients: {} })).toThrowError(mod.Auth0TargetError);
    expect(() => new mod.Auth0McpAuth("bad", { ...crmArgs(), clients: {} })).toThrowError(/args\.clients\.agent\.nightly-digest\.publicKeyPem/);
    expect(mocks.resources.length).toBe(before);
    expect(mocks.resources.some((r) => r.name.startsWith("bad"))).toBe(false);
  });

  it("registers declared CIMD clients with ClientCimd and a user grant of their own", async () => {
    const plan = crmPlan();
    const cimd = plan.tiers.find((t) => t.name === "cimd")!;
    cimd.clients = [{ name: "vscode", displayName: "VS Code", redirectUris: [], metadataDocumentUrl: "https://vscode.dev/oauth/client-metadata.json" }];
    const c = new mod.Auth0McpAuth("cimdtest", { ...crmArgs(), plan, tenant: { manage: true } });
    const out = await promiseOf(c.outputs);
    await mocks.settled();
    expect(named("cimdtest-cimd-vscode").inputs).toMatchObject({
      externalClientId: "https://vscode.dev/oauth/client-metadata.json",
      appType: "native",
      oidcConformant: true,
      grantTypes: ["authorization_code", "refresh_token"],
    });
    expect(named("cimdtest-crm-cimd-vscode-user").inputs).toMatchObject({ clientId: "cimdtest-cimd-vscode-client-id", subjectType: "user" });
    expect(out.clientIds["cimd.vscode"]).toBe("cimdtest-cimd-vscode-client-id");
  });
});
