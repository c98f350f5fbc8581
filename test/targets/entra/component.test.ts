import { beforeAll, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { parseEdgeConfig } from "../../../lambda/config.js";
import { stableAppPermissionId, stableRoleId, stableScopeId, uuidV5 } from "../../../components/targets/entra/ids.js";

const plan = compile(crm);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const guidFor = (name: string, kind: string) => uuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", `${kind}:${name}`);
const SALES_REPS = "aaaaaaaa-0000-4000-8000-000000000001";

let mocks: MockHarness;
let verifiedInTenant = ["example.com", "contoso.onmicrosoft.com"];
let EntraMcpAuth: typeof import("../../../components/targets/entra/component.js").EntraMcpAuth;

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => {
      if (a.type === "azuread:index/application:Application") return { clientId: guidFor(a.name, "client"), objectId: guidFor(a.name, "object") };
      if (a.type === "azuread:index/servicePrincipal:ServicePrincipal") return { objectId: guidFor(a.name, "sp") };
      return undefined;
    },
    calls: {
      "azuread:index/getClientConfig:getClientConfig": () => ({ tenantId: TENANT, clientId: "c", objectId: "o", id: "x" }),
      "azuread:index/getDomains:getDomains": () => ({
        domains: [...verifiedInTenant.map((d) => ({ domainName: d, verified: true })), { domainName: "unverified.example.org", verified: false }],
      }),
    },
  });
  ({ EntraMcpAuth } = await import("../../../components/targets/entra/component.js"));
});

const appType = "azuread:index/application:Application";
const spType = "azuread:index/servicePrincipal:ServicePrincipal";
/** The one resource of `type` named `name` (applications and service principals share names). */
const one = (type: string, name: string) => {
  const found = mocks.ofType(type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named '${name}', found ${found.length}`);
  return found[0]!;
};
const crmApp = () => one(appType, "crm-auth-crm");

describe("EntraMcpAuth under mocks", () => {
  let auth: InstanceType<typeof EntraMcpAuth>;
  beforeAll(async () => {
    mocks.reset();
    auth = new EntraMcpAuth("crm-auth", { plan, groupObjectIds: { "sales-reps": SALES_REPS }, grantAdminConsent: true });
    await promiseOf(auth.servers);
    await mocks.settled();
  });

  it("creates one application per MCP server whose identifier URI is the resource, with v2 tokens and no implicit grant", () => {
    const app = crmApp();
    expect(app.inputs.identifierUris).toEqual(["https://mcp.example.com/crm"]);
    expect(app.inputs.api.requestedAccessTokenVersion).toBe(2);
    expect(app.inputs.web.implicitGrant).toEqual({ accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false });
    expect(app.inputs.signInAudience).toBe("AzureADMyOrg");
    expect(one(appType, "crm-auth-crm-admin").inputs.identifierUris).toEqual(["https://mcp.example.com/crm-admin"]);
  });

  it("declares one delegated permission per scope with its consent type and stable id", () => {
    const scopes = crmApp().inputs.api.oauth2PermissionScopes as Array<Record<string, any>>;
    expect(scopes.map((s) => s.value)).toEqual(plan.servers.find((s) => s.name === "crm")!.scopes);
    const read = scopes.find((s) => s.value === "crm:customers:read")!;
    expect(read).toMatchObject({
      id: stableScopeId("https://mcp.example.com/crm", "crm:customers:read"),
      type: "User",
      enabled: true,
      adminConsentDisplayName: "Read customers",
      userConsentDescription: "Read customer records",
    });
    const exp = scopes.find((s) => s.value === "crm:customers:export")!;
    expect(exp).toMatchObject({ type: "Admin", adminConsentDescription: "Export customer records in bulk (CSV)" });
    expect(exp.userConsentDisplayName).toBeUndefined();
  });

  it("keeps every id identical when the stack runs again", async () => {
    const first = crmApp().inputs.api.oauth2PermissionScopes.map((s: any) => s.id);
    mocks.reset();
    const again = new EntraMcpAuth("crm-auth", { plan, groupObjectIds: { "sales-reps": SALES_REPS }, grantAdminConsent: true });
    await promiseOf(again.servers);
    await mocks.settled();
    expect(crmApp().inputs.api.oauth2PermissionScopes.map((s: any) => s.id)).toEqual(first);
    expect(crmApp().inputs.appRoles.map((r: any) => r.id)).toContain(stableRoleId("https://mcp.example.com/crm", "sales-reps"));
  });

  it("declares an app role per mapped group and assigns the group given an object id", () => {
    const roles = (crmApp().inputs.appRoles as Array<Record<string, any>>).filter((r) => r.allowedMemberTypes[0] === "User");
    expect(roles.map((r) => r.value).sort()).toEqual(["group.crm-admins", "group.sales-ops", "group.sales-reps"]);
    expect(roles.every((r) => r.allowedMemberTypes.length === 1)).toBe(true);
    const assignments = mocks.ofType("azuread:index/appRoleAssignment:AppRoleAssignment").filter((a) => !a.name.includes("-agent-"));
    expect(assignments.map((a) => a.name)).toEqual(["crm-auth-crm-sales-reps"]);
    expect(assignments[0]!.inputs).toEqual({
      appRoleId: stableRoleId("https://mcp.example.com/crm", "sales-reps"),
      principalObjectId: SALES_REPS,
      resourceObjectId: guidFor("crm-auth-crm", "sp"),
    });
  });

  it("declares an application permission per scope the agent tier holds on a server, and none where it holds nothing", () => {
    const agentScopes = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "agent")!.scopes;
    const app = (crmApp().inputs.appRoles as Array<Record<string, any>>).filter((r) => r.allowedMemberTypes[0] === "Application");
    expect(app.map((r) => r.value)).toEqual([...agentScopes].sort().map((s) => `app.${s}`));
    expect(app.every((r) => r.allowedMemberTypes.length === 1 && r.enabled === true)).toBe(true);
    expect(app.map((r) => r.id)).toEqual([...agentScopes].sort().map((s) => stableAppPermissionId("https://mcp.example.com/crm", s)));
    const admin = one(appType, "crm-auth-crm-admin").inputs.appRoles as Array<Record<string, any>>;
    expect(admin.filter((r) => r.allowedMemberTypes[0] === "Application")).toEqual([]);
  });

  it("creates each agent as a confidential application assigned exactly its tier's application permissions", () => {
    const agent = one(appType, "crm-auth-agent-agent-nightly-digest");
    expect(agent.inputs.publicClient).toBeUndefined();
    expect(agent.inputs.fallbackPublicClientEnabled).toBe(false);
    expect(agent.inputs.web.implicitGrant).toEqual({ accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false });
    const agentScopes = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "agent")!.scopes;
    const ids = agentScopes.map((s) => stableAppPermissionId("https://mcp.example.com/crm", s));
    expect(agent.inputs.requiredResourceAccesses).toEqual([
      { resourceAppId: guidFor("crm-auth-crm", "client"), resourceAccesses: ids.map((id) => ({ id, type: "Role" })) },
    ]);
    const assignments = mocks.ofType("azuread:index/appRoleAssignment:AppRoleAssignment").filter((a) => a.name.includes("-agent-"));
    expect(assignments.map((a) => a.inputs.appRoleId).sort()).toEqual([...ids].sort());
    for (const a of assignments) {
      expect(a.inputs.principalObjectId).toBe(guidFor("crm-auth-agent-agent-nightly-digest", "sp"));
      expect(a.inputs.resourceObjectId).toBe(guidFor("crm-auth-crm", "sp"));
    }
  });

  it("creates a service principal per server application", () => {
    expect(mocks.ofType(spType).map((s) => s.name).sort()).toEqual([
      "crm-auth-agent-agent-nightly-digest",
      "crm-auth-client-verified-claude-code",
      "crm-auth-client-verified-internal-portal",
      "crm-auth-crm",
      "crm-auth-crm-admin",
    ]);
    expect(one(spType, "crm-auth-crm").inputs).toMatchObject({ clientId: guidFor("crm-auth-crm", "client"), appRoleAssignmentRequired: false });
  });

  it("creates each verified client as a public client without implicit grant or public-client fallback", () => {
    const cc = mocks.ofType(appType).find((a) => a.name === "crm-auth-client-verified-claude-code")!;
    expect(cc.inputs.publicClient.redirectUris).toEqual(["http://127.0.0.1:33418/callback", "http://localhost:33418/callback"]);
    expect(cc.inputs.fallbackPublicClientEnabled).toBe(false);
    expect(cc.inputs.web.implicitGrant).toEqual({ accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false });
    const portal = mocks.ofType(appType).find((a) => a.name === "crm-auth-client-verified-internal-portal")!;
    expect(portal.inputs.singlePageApplication.redirectUris).toEqual(["https://portal.example.com/oauth/callback"]);
  });

  it("pre-authorizes the verified clients on each server with the permission ids of the scopes they may hold", () => {
    const pre = mocks.ofType("azuread:index/applicationPreAuthorized:ApplicationPreAuthorized");
    expect(pre.map((p) => p.name).sort()).toEqual([
      "crm-auth-crm-admin-verified-claude-code",
      "crm-auth-crm-admin-verified-internal-portal",
      "crm-auth-crm-verified-claude-code",
      "crm-auth-crm-verified-internal-portal",
    ]);
    const p = pre.find((x) => x.name === "crm-auth-crm-verified-claude-code")!;
    expect(p.inputs.applicationId).toBe("crm-auth-crm-id");
    expect(p.inputs.authorizedClientId).toBe(guidFor("crm-auth-client-verified-claude-code", "client"));
    const verified = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "verified")!.scopes;
    expect(p.inputs.permissionIds).toEqual(verified.map((s) => stableScopeId("https://mcp.example.com/crm", s)));
  });

  it("records admin consent for the Admin-type scopes only when asked", () => {
    const grants = mocks.ofType("azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant");
    const g = grants.find((x) => x.name === "crm-auth-crm-admin-verified-claude-code-admin")!;
    expect(g.inputs).toEqual({
      servicePrincipalObjectId: guidFor("crm-auth-client-verified-claude-code", "sp"),
      resourceServicePrincipalObjectId: guidFor("crm-auth-crm-admin", "sp"),
      claimValues: ["crm:billing:write", "crm:settings:write"],
    });
    expect(grants).toHaveLength(4);
  });

  it("outputs issuer, JWKS URI, both audiences, scope aliases, client ids and a valid edge config per server", async () => {
    const servers = await promiseOf(auth.servers);
    const s = servers.crm!;
    const clientId = guidFor("crm-auth-crm", "client");
    expect(s.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(s.jwksUri).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
    expect(s.audiences).toEqual(["https://mcp.example.com/crm", clientId]);
    expect(s.scopeAliases["crm:deals:close"]).toBe("https://mcp.example.com/crm/crm:deals:close");
    expect(s.requestScopes["crm:deals:close"]).toBe("https://mcp.example.com/crm/crm:deals:close");
    expect(s.tokenLifetimePolicy.accessTokenMinutes).toBe(15);
    expect(parseEdgeConfig(JSON.parse(JSON.stringify(s.edgeConfig)))).toEqual(s.edgeConfig);
    expect(s.edgeConfig.maxTokenAgeSeconds).toEqual({ routine: 3600, high: 900, critical: 300 });
    const ids = await promiseOf(auth.clientIds);
    expect(s.edgeConfig.roles?.grants["group.sales-reps"]).toContain("https://mcp.example.com/crm/crm:deals:close");
    expect(s.edgeConfig.roles?.grants["app.crm:customers:read"]).toEqual(["https://mcp.example.com/crm/crm:customers:read"]);
    expect(s.edgeConfig.roles?.requireForScopes).toEqual(Object.values(s.scopeAliases));
    expect(ids).toEqual({
      "agent-nightly-digest": guidFor("crm-auth-agent-agent-nightly-digest", "client"),
      "verified-claude-code": guidFor("crm-auth-client-verified-claude-code", "client"),
      "verified-internal-portal": guidFor("crm-auth-client-verified-internal-portal", "client"),
    });
    expect(await promiseOf(auth.issuer as pulumi.Output<string>)).toBe(s.issuer);
  });
});

describe("EntraMcpAuth fails closed", () => {
  it("refuses a resource host that is not a declared verified domain before creating anything", () => {
    mocks.reset();
    expect(() => new EntraMcpAuth("bad-domain", { plan, tenantId: TENANT, verifiedDomains: ["contoso.com"] })).toThrow(
      /server 'crm': host 'mcp.example.com'.*not a verified domain/,
    );
    expect(mocks.ofType(appType)).toEqual([]);
  });

  it("refuses at deploy time a resource host the tenant has not verified (looked up with getDomains)", async () => {
    // The failed check rejects the application's identifierUris input, so Pulumi fails the
    // registration (and `pulumi up`) with the message. Collect those rejections here instead of
    // letting the test runner report them as unhandled.
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const errors: string[] = [];
    process.on("unhandledRejection", (e) => void errors.push(String(e instanceof Error ? e.message : e)));
    verifiedInTenant = ["contoso.onmicrosoft.com"];
    mocks.reset();
    try {
      new EntraMcpAuth("lookup-domain", { plan, tenantId: TENANT });
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await mocks.settled();
    } finally {
      verifiedInTenant = ["example.com", "contoso.onmicrosoft.com"];
      process.removeAllListeners("unhandledRejection");
      for (const l of saved) process.on("unhandledRejection", l);
    }
    expect(mocks.calls.map((c) => c.token)).toContain("azuread:index/getDomains:getDomains");
    expect(errors.join("\n")).toMatch(/identifierUris.*host 'mcp.example.com'.*verified: contoso.onmicrosoft.com\./s);
    expect(mocks.ofType(appType).filter((a) => a.name.startsWith("lookup-domain-crm"))).toEqual([]);
  });

  it("refuses invalid arguments naming the field", () => {
    expect(() => new EntraMcpAuth("bad-args", { plan, tenantId: "contoso" })).toThrow(/tenantId: expected a GUID/);
    expect(() => new EntraMcpAuth("bad-args2", { plan, grantAdminConsnt: true } as never)).toThrow(/grantAdminConsnt/);
    expect(() => new EntraMcpAuth("bad-args3", { plan, tenantId: TENANT, existingClients: { "verified-cursor": TENANT } })).toThrow(
      /existingClients names 'verified-cursor'.*known: verified-claude-code, verified-internal-portal/,
    );
    expect(() => new EntraMcpAuth("bad-args4", { plan, tenantId: TENANT, groupObjectIds: { marketing: TENANT } })).toThrow(/groupObjectIds names 'marketing'/);
  });

  it("refuses assignmentRequired without an object id for every group on the server", () => {
    expect(() => new EntraMcpAuth("bad-assign", { plan, tenantId: TENANT, verifiedDomains: ["example.com"], assignmentRequired: true })).toThrow(
      /assignmentRequired.*'crm'.*crm-admins, sales-ops, sales-reps/,
    );
  });

  it("uses existing clients without creating them", async () => {
    mocks.reset();
    const existing = "bbbbbbbb-0000-4000-8000-000000000002";
    const auth = new EntraMcpAuth("reuse", { plan, tenantId: TENANT, verifiedDomains: ["example.com"], existingClients: { "verified-claude-code": existing } });
    await promiseOf(auth.servers);
    await mocks.settled();
    expect(mocks.ofType(appType).map((a) => a.name).sort()).toEqual(["reuse-agent-agent-nightly-digest", "reuse-client-verified-internal-portal", "reuse-crm", "reuse-crm-admin"]);
    const pre = mocks.ofType("azuread:index/applicationPreAuthorized:ApplicationPreAuthorized").find((p) => p.name === "reuse-crm-verified-claude-code")!;
    expect(pre.inputs.authorizedClientId).toBe(existing);
    expect(mocks.calls.some((c) => c.token === "azuread:index/getDomains:getDomains")).toBe(false);
  });
});
