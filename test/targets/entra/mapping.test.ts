import { describe, expect, it } from "vitest";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { parseEdgeConfig } from "../../../lambda/config.js";
import {
  ENTRA_ID_NAMESPACE,
  entraScopeValue,
  entraValueProblem,
  stableAppPermissionId,
  stableRoleId,
  stableScopeId,
  uuidV5,
} from "../../../components/targets/entra/ids.js";
import { coveringDomain, identifierUriProblem } from "../../../components/targets/entra/domains.js";
import { entraPlanSpec } from "../../../components/targets/entra/mapping.js";
import { entraEdgeConfig, entraIssuer, entraJwksUri } from "../../../components/targets/entra/edge.js";
import { timeSpan, tokenLifetimePolicy } from "../../../components/targets/entra/lifetime.js";

const plan = compile(crm);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CRM_APP = "11111111-2222-3333-4444-555555555555";

describe("stable ids", () => {
  it("computes RFC 9562 version-5 UUIDs identical to Python's uuid5", () => {
    // python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"))'
    expect(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    expect(uuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://x/y")).toBe("2a7378e8-084f-56b5-8699-2e3ab341224f");
  });

  it("derives the same scope id for the same resource and scope on every run, and different ids otherwise", () => {
    const a = stableScopeId("https://mcp.example.com/crm", "crm:customers:read");
    expect(stableScopeId("https://mcp.example.com/crm", "crm:customers:read")).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableScopeId("https://mcp.example.com/crm-admin", "crm:customers:read")).not.toBe(a);
    expect(stableScopeId("https://mcp.example.com/crm", "crm:customers:write")).not.toBe(a);
    expect(stableRoleId("https://mcp.example.com/crm", "crm:customers:read")).not.toBe(a);
    expect(ENTRA_ID_NAMESPACE).toBe(uuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://github.com/pulumi-mcp-auth/pulumi-mcp-auth#entra"));
  });
});

describe("Entra scope values", () => {
  it("keeps colon-separated declared names, which Graph allows in permissionScope.value", () => {
    expect(entraValueProblem("crm:customers:read")).toBeUndefined();
    expect(entraScopeValue("crm:contacts:bulk_email")).toBe("crm:contacts:bulk_email");
  });

  it("maps an illegal name to a legal value deterministically and keeps two similar names apart", () => {
    const a = entraScopeValue("crm:notes read");
    const b = entraScopeValue("crm:notes|read");
    expect(entraValueProblem(a)).toBeUndefined();
    expect(entraValueProblem(b)).toBeUndefined();
    expect(a).toMatch(/^crm:notes_read\.[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(entraScopeValue("crm:notes read")).toBe(a);
    expect(entraValueProblem(entraScopeValue(".hidden"))).toBeUndefined();
    expect(entraValueProblem(entraScopeValue("x".repeat(200)))).toBeUndefined();
  });

  it("names the problem with an illegal value", () => {
    expect(entraValueProblem("a b")).toMatch(/" "/);
    expect(entraValueProblem(".a")).toMatch(/starts with '\.'/);
    expect(entraValueProblem("a".repeat(121))).toMatch(/121 characters/);
  });
});

describe("verified-domain requirement", () => {
  it("accepts a host that is a verified domain or a subdomain of one, preferring the longest match", () => {
    expect(identifierUriProblem("https://mcp.example.com/crm", ["example.com"])).toBeUndefined();
    expect(identifierUriProblem("https://example.com/crm", ["EXAMPLE.com."])).toBeUndefined();
    expect(coveringDomain("a.mcp.example.com", ["example.com", "mcp.example.com"])).toBe("mcp.example.com");
  });

  it("refuses an unverifiable host and says how to fix it", () => {
    const p = identifierUriProblem("https://crm.azurewebsites.net/mcp", ["contoso.onmicrosoft.com"]);
    expect(p).toMatch(/not a verified domain/);
    expect(p).toMatch(/Add and verify the domain/);
    expect(identifierUriProblem("https://notexample.com/crm", ["example.com"])).toMatch(/not a verified domain/);
    expect(identifierUriProblem("http://mcp.example.com/crm", ["example.com"])).toMatch(/https/);
    expect(identifierUriProblem("https://mcp.example.com:8443/crm", ["example.com"])).toMatch(/port/);
  });
});

describe("plan → Entra mapping", () => {
  const spec = entraPlanSpec(plan);
  const crmSpec = spec.servers.find((s) => s.server === "crm")!;
  const admin = spec.servers.find((s) => s.server === "crm-admin")!;

  it("uses the canonical resource URI as the identifier URI and exposes every scope of the server", () => {
    expect(crmSpec.identifierUri).toBe("https://mcp.example.com/crm");
    expect(crmSpec.scopes.map((s) => s.scope)).toEqual(plan.servers.find((s) => s.name === "crm")!.scopes);
  });

  it("asks user consent for routine scopes and admin consent for high and critical ones, with the declared strings", () => {
    const read = crmSpec.scopes.find((s) => s.scope === "crm:customers:read")!;
    expect(read).toMatchObject({ type: "User", userConsentDisplayName: "Read customers", adminConsentDescription: "Read customer records" });
    const del = crmSpec.scopes.find((s) => s.scope === "crm:customers:delete")!;
    expect(del.type).toBe("Admin");
    expect(del.userConsentDisplayName).toBeUndefined();
    expect(admin.scopes.find((s) => s.scope === "crm:settings:write")!.type).toBe("Admin");
    expect(read.requestScope).toBe("https://mcp.example.com/crm/crm:customers:read");
  });

  it("creates an app role per group with scopes on the server, never clashing with scope values", () => {
    expect(crmSpec.roles.map((r) => r.value).sort()).toEqual(["group.crm-admins", "group.sales-ops", "group.sales-reps"]);
    expect(admin.roles.map((r) => [r.value, r.displayName])).toEqual([["group.crm-admins", "CRM Admins"]]);
  });

  it("maps each scope the agent tier holds on a server to an application permission app.<scope> assigned to the agent's client", () => {
    expect(spec.agents.map((a) => a.key)).toEqual(["agent-nightly-digest"]);
    const agentScopes = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "agent")!.scopes;
    expect(crmSpec.appPermissions.map((p) => p.value)).toEqual([...agentScopes].sort().map((x) => `app.${x}`));
    expect(crmSpec.appPermissions.map((p) => p.id)).toEqual([...agentScopes].sort().map((x) => stableAppPermissionId("https://mcp.example.com/crm", x)));
    expect(crmSpec.agentGrants).toEqual([{ clientKey: "agent-nightly-digest", scopes: agentScopes, appRoleIds: agentScopes.map((x) => stableAppPermissionId("https://mcp.example.com/crm", x)) }]);
    // Nothing on a server where the tier holds no scope.
    expect(admin.appPermissions).toEqual([]);
    expect(admin.agentGrants).toEqual([]);
    // Never the same id as a group role or a delegated scope.
    const ids = [...crmSpec.scopes.map((x) => x.id), ...crmSpec.roles.map((r) => r.id), ...crmSpec.appPermissions.map((p) => p.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("creates no application permission for a client-credentials tier without clients", () => {
    const noAgents = { ...plan, tiers: plan.tiers.map((t) => (t.name === "agent" ? { ...t, clients: [] } : t)) };
    const s = entraPlanSpec(noAgents);
    expect(s.agents).toEqual([]);
    expect(s.servers.every((x) => x.appPermissions.length === 0 && x.agentGrants.length === 0)).toBe(true);
  });

  it("pre-authorizes each verified client for what the verified tier may hold, with the matching permission ids", () => {
    expect(spec.clients.map((c) => c.key)).toEqual(["verified-claude-code", "verified-internal-portal"]);
    const portal = spec.clients.find((c) => c.key === "verified-internal-portal")!;
    expect(portal.spaRedirectUris).toEqual(["https://portal.example.com/oauth/callback"]);
    expect(spec.clients[0]!.publicClientRedirectUris).toHaveLength(2);
    const pa = crmSpec.preAuthorized.find((p) => p.clientKey === "verified-claude-code")!;
    const verified = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "verified")!;
    expect(pa.scopes).toEqual(verified.scopes);
    expect(pa.permissionIds).toEqual(pa.scopes.map((s) => stableScopeId("https://mcp.example.com/crm", s)));
    expect([...pa.adminScopeValues].sort()).toEqual(["crm:contacts:bulk_email", "crm:customers:delete", "crm:customers:export", "crm:customers:merge", "crm:deals:close"]);
  });

  it("asks Entra for the shortest declared lifetime (floored at 10 minutes) and leaves shorter ones to the edge", () => {
    expect(crmSpec.idpAccessTokenMinutes).toBe(15);
    expect(crmSpec.edgeEnforcedLevels).toEqual([]);
    expect(admin.idpAccessTokenMinutes).toBe(10);
    expect(admin.edgeEnforcedLevels).toEqual(["critical"]);
  });

  it("refuses an unknown server by name", () => {
    expect(() => entraPlanSpec(plan, ["nope"])).toThrow(/no MCP server named 'nope'.*known: crm, crm-admin/);
  });
});

describe("token lifetime policy", () => {
  it("formats lifetimes as Entra TimeSpans and refuses values Entra cannot take", () => {
    expect(timeSpan(15)).toBe("00:15:00");
    expect(timeSpan(90)).toBe("01:30:00");
    expect(timeSpan(1440)).toBe("1.00:00:00");
    expect(() => timeSpan(5)).toThrow(/10 to 1440/);
    expect(JSON.parse(tokenLifetimePolicy("x", 15).createBody.definition[0]!)).toEqual({ TokenLifetimePolicy: { Version: 1, AccessTokenLifetime: "00:15:00" } });
  });
});

describe("Entra edge config", () => {
  const crmSpec = entraPlanSpec(plan).servers.find((s) => s.server === "crm")!;
  const cfg = entraEdgeConfig(plan, crmSpec, { tenantId: TENANT, applicationClientId: CRM_APP });

  it("accepts the v2 issuer and both audience forms, and validates against the edge schema", () => {
    expect(cfg.issuers).toEqual([`https://login.microsoftonline.com/${TENANT}/v2.0`]);
    expect(cfg.authorizationServers).toEqual([entraIssuer(TENANT)]);
    expect(cfg.jwksUri).toBe(entraJwksUri(TENANT));
    expect(cfg.jwksUri).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
    expect(cfg.audiences).toEqual(["https://mcp.example.com/crm", CRM_APP]);
    expect(cfg.algorithms).toEqual(["RS256"]);
    expect(parseEdgeConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
  });

  it("advertises identifier-URI-qualified scopes and maps each short scp value to them", () => {
    expect(cfg.scopesSupported).toContain("https://mcp.example.com/crm/crm:customers:read");
    expect(cfg.scopeAliases["crm:customers:read"]).toBe("https://mcp.example.com/crm/crm:customers:read");
    expect(cfg.operations.tools.delete_customer!.scopes).toEqual(["https://mcp.example.com/crm/crm:customers:delete"]);
    expect(cfg.scopes["https://mcp.example.com/crm/crm:customers:write"]!.grants).toContain("https://mcp.example.com/crm/crm:customers:read");
  });

  it("records the declared maximum token age per sensitivity", () => {
    expect(cfg.maxTokenAgeSeconds).toEqual({ routine: 3600, high: 900, critical: 300 });
  });

  it("keeps declared names when asked to", () => {
    const d = entraEdgeConfig(plan, crmSpec, { tenantId: TENANT, applicationClientId: CRM_APP, scopeForm: "declared" });
    expect(d.scopesSupported).toContain("crm:customers:read");
    expect(d.scopeAliases["crm:customers:read"]).toBe("crm:customers:read");
  });

  it("maps group roles and application permissions to qualified scopes, and gates every delegated scope when the plan declares groups", () => {
    const r = cfg.roles!;
    const q = (x: string) => `https://mcp.example.com/crm/${x}`;
    expect(r.claim).toBeUndefined();
    expect(r.grants["group.crm-admins"]).toEqual([q("crm:customers:read")]);
    expect(r.grants["app.crm:notes:write"]).toEqual([q("crm:notes:write")]);
    expect(Object.keys(r.grants).sort()).toEqual([...crmSpec.roles.map((x) => x.value), ...crmSpec.appPermissions.map((x) => x.value)].sort());
    expect(r.requireForScopes).toEqual(crmSpec.scopes.map((x) => q(x.scope)));
    const d = entraEdgeConfig(plan, crmSpec, { tenantId: TENANT, applicationClientId: CRM_APP, scopeForm: "declared" });
    expect(d.roles!.grants["app.crm:notes:write"]).toEqual(["crm:notes:write"]);
    expect(d.roles!.requireForScopes).toContain("crm:customers:read");
  });

  it("sets no roles for a plan without groups or agents, so the edge ignores the roles claim", () => {
    const bare = {
      ...plan,
      groups: [],
      servers: plan.servers.map((x) => ({ ...x, groups: [] })),
      tiers: plan.tiers.filter((t) => t.registration !== "client-credentials"),
    };
    const s = entraPlanSpec(bare).servers.find((x) => x.server === "crm")!;
    expect(entraEdgeConfig(bare, s, { tenantId: TENANT, applicationClientId: CRM_APP }).roles).toBeUndefined();
  });

  it("refuses a tenant domain name where the GUID is needed", () => {
    expect(() => entraEdgeConfig(plan, crmSpec, { tenantId: "contoso.onmicrosoft.com", applicationClientId: CRM_APP })).toThrow(/tenantId 'contoso.onmicrosoft.com' is not a GUID/);
  });
});
