import { describe, expect, it } from "vitest";
import { compile } from "../../../components/plan/compile.js";
import { OktaTargetError, resolveOktaArgs } from "../../../components/targets/okta/args.js";
import { oktaCapabilityReport } from "../../../components/targets/okta/capabilities.js";
import { oktaLayout, oktaName } from "../../../components/targets/okta/layout.js";
import { oktaPlanIssues } from "../../../components/targets/okta/validate.js";
import { CRM_ARGS, crmDeclarations } from "./fixture.js";

type Decl = ReturnType<typeof crmDeclarations>;
const layoutOf = (decl: Decl, extra: Record<string, unknown> = {}) => {
  const args = resolveOktaArgs({ declarations: decl, ...CRM_ARGS, ...extra });
  const issues = oktaPlanIssues(args.plan, args);
  if (issues.length > 0) throw new OktaTargetError(issues);
  return { args, layout: oktaLayout(args) };
};
const issuesOf = (decl: Decl, extra: Record<string, unknown> = {}) => {
  const args = resolveOktaArgs({ declarations: decl, ...CRM_ARGS, ...extra });
  return oktaPlanIssues(args.plan, args);
};

describe("Okta target argument validation", () => {
  it("asks for exactly one of plan and declarations", () => {
    expect(() => resolveOktaArgs({})).toThrow(/args.plan: give exactly one of 'plan'/);
    expect(() => resolveOktaArgs({ plan: compile(crmDeclarations()), declarations: crmDeclarations() })).toThrow(OktaTargetError);
  });

  it("accepts a compiled plan and maps it exactly like the declarations it came from", () => {
    const fromPlan = oktaLayout(resolveOktaArgs({ plan: compile(crmDeclarations()), ...CRM_ARGS }));
    expect(fromPlan).toEqual(layoutOf(crmDeclarations()).layout);
  });

  it("names the field of a malformed plan", () => {
    const plan = { ...compile(crmDeclarations()), planVersion: 2 };
    expect(() => resolveOktaArgs({ plan })).toThrow(/args\.plan\.planVersion: .*compile\(\)/);
  });

  it("rejects unknown keys and non-https JWKS URIs", () => {
    expect(() => resolveOktaArgs({ declarations: crmDeclarations(), orgName: "x" })).toThrow(/Unrecognized key/);
    expect(() => resolveOktaArgs({ declarations: crmDeclarations(), clientJwksUris: { "agent/nightly-digest": "http://x.test/jwks" } })).toThrow(/args\.clientJwksUris\.agent\/nightly-digest|clientJwksUris/);
  });

  it("requires keys for private_key_jwt clients and says where to put them", () => {
    const args = resolveOktaArgs({ declarations: crmDeclarations() });
    expect(oktaPlanIssues(args.plan, args)).toEqual([
      { path: 'plan.tiers.agent.clients["nightly-digest"].jwksUri', message: expect.stringContaining('args.clientJwksUris["agent/nightly-digest"]') },
    ]);
  });

  it("refuses removed grants, wildcard redirect URIs and public clients without PKCE", () => {
    const d = crmDeclarations();
    d.tiers.verified!.grantTypes = ["authorization_code", "refresh_token", "implicit"];
    d.tiers.verified!.pkce = "none";
    d.tiers.verified!.clients![1]!.redirectUris = ["https://*.example.com/cb"];
    expect(issuesOf(d).map((i) => i.path)).toEqual(["plan.tiers.verified.grantTypes", "plan.tiers.verified.pkce", 'plan.tiers.verified.clients["internal-portal"].redirectUris[0]']);
  });

  it("refuses Okta-reserved claim names, non-origin allowed origins and unknown tiers, clients and groups", () => {
    const d = crmDeclarations();
    d.claims = { tenant: { claim: "groups" } };
    const plan = compile(d);
    plan.servers[0]!.allowedOrigins = ["https://app.example.com/path"];
    const args = resolveOktaArgs({
      plan, externalClients: { nope: ["0oa1"] }, groupIds: { admins: "00g1" }, clientJwksUris: { ...CRM_ARGS.clientJwksUris, "verified/x": "https://x.test/j" },
    });
    expect(oktaPlanIssues(plan, args).map((i) => i.path)).toEqual([
      "args.externalClients.nope",
      'args.clientJwksUris["verified/x"]',
      "args.groupIds.admins",
      "plan.claims.tenant.claim",
      "plan.servers.crm.allowedOrigins[0]",
    ]);
  });

  it("refuses a client listed under two tiers", () => {
    const issues = issuesOf(crmDeclarations(), { externalClients: { dcr: ["0oa1"], cimd: ["0oa1"] } });
    expect(issues).toEqual([{ path: "args.externalClients.cimd", message: "client '0oa1' is also listed for tier 'dcr'; a client belongs to one tier" }]);
  });
});

describe("Okta layout", () => {
  it("creates a policy for externally registered DCR clients and drops the tier from the capability gaps", () => {
    const { args, layout } = layoutOf(crmDeclarations(), { externalClients: { dcr: ["0oa-dcr-1"] } });
    const dcr = layout.servers[0]!.policies.find((p) => p.tier === "dcr")!;
    // Least-trusted first: agent (routine, "agent" < "dcr"), then dcr.
    expect(dcr).toMatchObject({ priority: 2, appKeys: [], externalClientIds: ["0oa-dcr-1"] });
    expect(dcr.rules.every((r) => r.levels.join() === "routine" && r.accessTokenMinutes === 60 && r.refreshTokenLifetimeMinutes === 7 * 1440)).toBe(true);
    const ids = oktaCapabilityReport(args.plan, layout).items.map((i) => i.id);
    expect(ids).toContain("tier:cimd");
    expect(ids).not.toContain("tier:dcr");
  });

  it("lets everyone hold the tier's scopes when no group is declared", () => {
    const d = crmDeclarations();
    delete d.groups;
    delete d.dev;
    const { layout } = layoutOf(d);
    const verified = layout.servers[0]!.policies.find((p) => p.tier === "verified")!;
    expect(verified.rules.map((r) => [r.groups, r.levels.join("+"), r.accessTokenMinutes])).toEqual([
      ["EVERYONE", "high", 15],
      ["EVERYONE", "routine", 60],
      ["EVERYONE", "routine+high", 15],
    ]);
    expect(layout.groups).toEqual([]);
    expect(layout.apps.every((a) => a.groups.length === 0)).toBe(true);
  });

  it("raises lifetimes under Okta's 5-minute minimum and records that the edge enforces the declared one", () => {
    const d = crmDeclarations();
    d.tokens!.accessTokenMinutes = { routine: 60, high: 15, critical: 2 };
    const { args, layout } = layoutOf(d);
    const admin = layout.servers.find((s) => s.server.name === "crm-admin")!;
    expect(admin.policies[0]!.rules[0]!).toMatchObject({ levels: ["critical"], accessTokenMinutes: 5 });
    const gap = oktaCapabilityReport(args.plan, layout).items.find((i) => i.id === "lifetime:crm-admin:verified:critical");
    expect(gap).toMatchObject({ support: "edge", how: expect.stringContaining("rejects tokens older than 2 min") });
  });

  it("uses Okta's native cid for an agent claim named cid and mints other agent claims from the client id", () => {
    const d = crmDeclarations();
    d.claims = { agent: { claim: "cid" } };
    expect(layoutOf(d).layout.servers[0]!.claims).toEqual([]);
    d.claims = { agent: { claim: "agent_id" }, tenant: { claim: "org_id" } };
    expect(layoutOf(d, { claimExpressions: { tenant: "user.getInternalProperty(\"orgId\")" } }).layout.servers[0]!.claims).toEqual([
      { kind: "tenant", name: "org_id", value: 'user.getInternalProperty("orgId")' },
      { kind: "agent", name: "agent_id", value: "app.clientId" },
    ]);
  });

  it("keeps the secret only for client_secret clients and rotates refresh tokens only where declared for confidential ones", () => {
    const d = crmDeclarations();
    d.tiers.partner = {
      registration: "pre-registered",
      clientType: "confidential",
      grantTypes: ["authorization_code", "refresh_token"],
      tokenEndpointAuthMethod: "client_secret_basic",
      maxSensitivity: "routine",
      clients: [{ name: "partner-web", redirectUris: ["https://partner.example.com/cb"] }],
      tokens: { refreshToken: { rotation: false } },
    };
    d.tokens!.refreshToken = { lifetimeDays: 30, rotation: false };
    const app = layoutOf(d).layout.apps.find((a) => a.key === "partner/partner-web")!;
    expect(app).toMatchObject({ type: "web", omitSecret: false, refreshTokenRotation: "STATIC", pkceRequired: true, tokenEndpointAuthMethod: "client_secret_basic" });
  });

  it("sets the refresh window to the declared idle time, within the access and refresh lifetimes", () => {
    const d = crmDeclarations();
    d.tokens!.refreshToken = { lifetimeDays: 30, idleDays: 7, rotation: true };
    const rule = layoutOf(d).layout.servers[0]!.policies.find((p) => p.tier === "verified")!.rules[0]!;
    expect(rule).toMatchObject({ refreshTokenLifetimeMinutes: 30 * 1440, refreshTokenWindowMinutes: 7 * 1440 });
  });

  it("shortens long Okta names with a stable hash", () => {
    const long = "x".repeat(80);
    expect(oktaName(long)).toHaveLength(50);
    expect(oktaName(long)).toBe(oktaName(long));
    expect(oktaName(long)).not.toBe(oktaName(`${long}y`));
    expect(oktaName("short")).toBe("short");
  });
});
