import { describe, expect, it } from "vitest";
import { Auth0TargetError, buildAuth0Model, parseAuth0Args, rolesForPlan, type Auth0Model } from "../../../components/targets/auth0/index.js";
import { crmArgs, crmPlan, crmVariant } from "./fixtures.js";

const CRM = "https://mcp.example.com/crm";
const ADMIN = "https://mcp.example.com/crm-admin";
const model = (over = {}): Auth0Model => buildAuth0Model(parseAuth0Args(crmArgs(over)));
const pairs = (m: Auth0Model, group: string) => m.roles.find((r) => r.group === group)!.permissions.map((p) => `${p.resourceServerIdentifier} ${p.name}`);
const issues = (args: unknown) => {
  try {
    parseAuth0Args(args);
  } catch (e) {
    expect(e).toBeInstanceOf(Auth0TargetError);
    return (e as Auth0TargetError).issues;
  }
  throw new Error("expected parseAuth0Args to throw");
};

describe("group restrictions through Auth0 RBAC (model)", () => {
  it("makes no role and leaves RBAC off by default and with mode 'off'", () => {
    for (const m of [model(), model({ groups: { mode: "off" } })]) {
      expect(m.roles).toEqual([]);
      expect(m.servers.map((s) => s.resourceServer.enforcePolicies)).toEqual([false, false]);
      expect(m.servers.map((s) => s.resourceServer.tokenDialect)).toEqual(["rfc9068_profile", "rfc9068_profile"]);
    }
  });

  it("makes one role per group named after its idpGroup and turns RBAC on for every API", () => {
    const m = model({ groups: { mode: "rbac" } });
    expect(m.roles.map((r) => [r.group, r.name])).toEqual([
      ["crm-admins", "CRM Admins"],
      ["sales-ops", "CRM Sales Ops"],
      ["sales-reps", "CRM Sales"],
    ]);
    expect(m.roles.find((r) => r.group === "sales-reps")!.description).toBe("Sales representatives [pulumi-mcp-auth crm/sales-reps]");
    expect(m.servers.map((s) => s.resourceServer.enforcePolicies)).toEqual([true, true]);
    // RBAC restricts `scope` without a permissions claim: the dialect (and typ at+jwt) stays.
    expect(m.servers.map((s) => s.resourceServer.tokenDialect)).toEqual(["rfc9068_profile", "rfc9068_profile"]);
  });

  it("gives sales-reps exactly their scopes on crm, implied reads included, and nothing on crm-admin", () => {
    const m = model({ groups: { mode: "rbac" } });
    expect(pairs(m, "sales-reps")).toEqual(
      ["contacts:read", "contacts:write", "customers:read", "customers:write", "deals:close", "deals:read", "deals:write", "notes:read", "notes:write"].map((s) => `${CRM} crm:${s}`),
    );
    expect(pairs(m, "sales-reps").some((p) => p.startsWith(ADMIN))).toBe(false);
    expect(pairs(m, "sales-reps")).not.toContain(`${CRM} crm:customers:delete`);
  });

  it("gives crm-admins settings and billing on crm-admin plus customer reads on crm", () => {
    expect(pairs(model({ groups: { mode: "rbac" } }), "crm-admins")).toEqual([
      `${CRM} crm:customers:read`,
      ...["billing:read", "billing:write", "settings:read", "settings:write"].map((s) => `${ADMIN} crm:${s}`),
    ]);
  });

  it("lists for each group exactly the plan's per-server group scopes, and only scopes of that API", () => {
    const plan = crmPlan();
    for (const role of rolesForPlan(plan)) {
      const expected = plan.servers.flatMap((s) => s.groups.find((g) => g.group === role.group)!.scopes.map((x) => `${s.resource} ${x}`)).sort();
      expect(role.permissions.map((p) => `${p.resourceServerIdentifier} ${p.name}`).sort()).toEqual(expected);
      for (const p of role.permissions) expect(plan.servers.find((s) => s.resource === p.resourceServerIdentifier)!.scopes).toContain(p.name);
    }
  });

  it("keeps a group that holds nothing anywhere as a role with no permissions", () => {
    // Declarations require scopes per group; a plan (data) can still hold a group with nothing on any server.
    const plan = crmPlan();
    plan.groups.push({ name: "auditors", idpGroup: "CRM Auditors", scopes: [], grants: [] });
    for (const s of plan.servers) s.groups.push({ group: "auditors", scopes: [] });
    const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan, groups: { mode: "rbac" } }));
    expect(m.roles.find((r) => r.group === "auditors")).toMatchObject({ name: "CRM Auditors", permissions: [] });
  });

  it("creates the roles without enforcing when enforce is false, and adds the permissions claim on request", () => {
    const staged = model({ groups: { mode: "rbac", enforce: false } });
    expect(staged.roles).toHaveLength(3);
    expect(staged.servers.every((s) => s.resourceServer.enforcePolicies === false)).toBe(true);
    const claim = model({ groups: { mode: "rbac", permissionsClaim: true } });
    expect(claim.servers.map((s) => s.resourceServer.tokenDialect)).toEqual(["rfc9068_profile_authz", "rfc9068_profile_authz"]);
  });

  it("leaves the agent's client-credentials grants and the user grants as they are (RBAC is a user-token filter)", () => {
    const off = model();
    const on = model({ groups: { mode: "rbac" } });
    expect(on.servers.map((s) => s.grants)).toEqual(off.servers.map((s) => s.grants));
    expect(on.servers.map((s) => s.resourceServer.subjectTypeAuthorization)).toEqual(off.servers.map((s) => s.resourceServer.subjectTypeAuthorization));
    expect(on.servers[0]!.grants.find((g) => g.key === "agent.nightly-digest.client")).toMatchObject({ subjectType: "client", scopes: ["crm:customers:read", "crm:deals:read", "crm:notes:read", "crm:notes:write"] });
  });
});

describe("group restrictions: argument validation", () => {
  it("refuses rbac for a plan without groups, because every user token would lose its scopes", () => {
    const plan = crmVariant((d) => {
      delete d.groups;
      d.dev = { users: [] };
    });
    expect(issues({ ...crmArgs(), plan, groups: { mode: "rbac" } })).toEqual([{ path: "args.groups.mode", message: expect.stringMatching(/needs groups in the plan.*mode 'off'/) }]);
    expect(() => parseAuth0Args({ ...crmArgs(), plan })).not.toThrow();
  });

  it("refuses two groups that would become roles with the same name", () => {
    const plan = crmVariant((d) => {
      d.groups!["sales-ops"]!.idpGroup = "CRM Sales";
    });
    expect(issues({ ...crmArgs(), plan, groups: { mode: "rbac" } })).toEqual([
      { path: 'plan.groups["sales-reps"].idpGroup', message: expect.stringMatching(/'CRM Sales' is also the idpGroup of group 'sales-ops'/) },
    ]);
  });

  it("names an unknown mode and a misspelt option", () => {
    expect(issues({ ...crmArgs(), groups: { mode: "roles" } })).toEqual([{ path: "args.groups.mode", message: "expected 'off' or 'rbac'" }]);
    expect(issues({ ...crmArgs(), groups: { mode: "rbac", enforced: true } })[0]).toMatchObject({ path: "args.groups", message: expect.stringMatching(/unknown key 'enforced'/) });
  });
});
