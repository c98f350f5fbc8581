import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { crmArgs } from "./fixtures.js";

// Type tokens as in node_modules/@pulumi/auth0/{role,rolePermissions,resourceServer,clientGrant}.js (`__pulumiType`).
const T = {
  role: "auth0:index/role:Role",
  rolePermissions: "auth0:index/rolePermissions:RolePermissions",
  rs: "auth0:index/resourceServer:ResourceServer",
  scopes: "auth0:index/resourceServerScopes:ResourceServerScopes",
  grant: "auth0:index/clientGrant:ClientGrant",
} as const;
const CRM = "https://mcp.example.com/crm";
const ADMIN = "https://mcp.example.com/crm-admin";

let mocks: MockHarness;
let mod: typeof import("../../../components/targets/auth0/index.js");

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => (a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : undefined),
    id: (a) => (a.type === T.role ? `rol_${a.name}` : `${a.name}-id`),
  });
  mod = await import("../../../components/targets/auth0/index.js");
});

const of = (type: string, prefix: string): RecordedResource[] => mocks.ofType(type).filter((r) => r.name.startsWith(`${prefix}-`));
const pairs = (r: RecordedResource): string[] => r.inputs.permissions.map((p: { resourceServerIdentifier: string; name: string }) => `${p.resourceServerIdentifier} ${p.name}`);

describe("Auth0McpAuth with groups: { mode: 'rbac' } on the CRM example", () => {
  let component: InstanceType<typeof mod.Auth0McpAuth>;
  beforeAll(async () => {
    component = new mod.Auth0McpAuth("rbac", crmArgs({ groups: { mode: "rbac" } }));
    await promiseOf(component.outputs);
    await mocks.settled();
  });

  it("creates exactly one role per group, named after its IdP group", () => {
    const roles = of(T.role, "rbac");
    expect(roles.map((r) => r.inputs.name).sort()).toEqual(["CRM Admins", "CRM Sales", "CRM Sales Ops"]);
    expect(mocks.byName("rbac-role-sales-reps", T.role).inputs).toEqual({ name: "CRM Sales", description: "Sales representatives [pulumi-mcp-auth crm/sales-reps]" });
  });

  it("gives each role one RolePermissions bound to its role id, listing exactly the group's (API, scope) pairs", () => {
    expect(of(T.rolePermissions, "rbac")).toHaveLength(3);
    const reps = mocks.byName("rbac-role-sales-reps-permissions", T.rolePermissions);
    expect(reps.inputs.roleId).toBe("rol_rbac-role-sales-reps");
    expect(pairs(reps)).toEqual(
      ["contacts:read", "contacts:write", "customers:read", "customers:write", "deals:close", "deals:read", "deals:write", "notes:read", "notes:write"].map((s) => `${CRM} crm:${s}`),
    );
    expect(pairs(reps)).toContain(`${CRM} crm:deals:close`);
    expect(pairs(reps).filter((p) => p.startsWith(`${ADMIN} `))).toEqual([]);
    const ops = pairs(mocks.byName("rbac-role-sales-ops-permissions", T.rolePermissions));
    expect(ops).toContain(`${CRM} crm:customers:delete`);
    expect(ops).not.toContain(`${CRM} crm:deals:close`);
    expect(pairs(mocks.byName("rbac-role-crm-admins-permissions", T.rolePermissions))).toEqual([
      `${CRM} crm:customers:read`,
      ...["billing:read", "billing:write", "settings:read", "settings:write"].map((s) => `${ADMIN} crm:${s}`),
    ]);
  });

  it("names only scopes that the API's ResourceServerScopes declares", () => {
    const declared = new Map(of(T.scopes, "rbac").map((r) => [r.inputs.resourceServerIdentifier, new Set(r.inputs.scopes.map((s: { name: string }) => s.name))]));
    for (const rp of of(T.rolePermissions, "rbac")) {
      for (const p of rp.inputs.permissions) expect(declared.get(p.resourceServerIdentifier)?.has(p.name)).toBe(true);
    }
  });

  it("turns RBAC on for both APIs and keeps the RFC 9068 dialect", () => {
    for (const rs of of(T.rs, "rbac")) expect(rs.inputs).toMatchObject({ enforcePolicies: true, tokenDialect: "rfc9068_profile" });
  });

  it("keeps the agent's client-credentials grant and the verified tier's user grants unchanged", () => {
    expect(mocks.byName("rbac-crm-agent-nightly-digest-client").inputs).toMatchObject({ subjectType: "client", audience: CRM, clientId: "rbac-agent-nightly-digest-client-id" });
    expect(mocks.byName("rbac-crm-admin-verified-claude-code-user").inputs).toMatchObject({ subjectType: "user", audience: ADMIN });
    expect(of(T.grant, "rbac")).toHaveLength(7);
  });

  it("outputs each group's role name, id and permissions, and marks the APIs as RBAC-enforced", async () => {
    const out = await promiseOf(component.outputs);
    expect(out.roles["sales-reps"]).toMatchObject({ name: "CRM Sales", roleId: "rol_rbac-role-sales-reps" });
    expect(out.roles["sales-reps"]!.permissions).toHaveLength(9);
    expect(Object.keys(await promiseOf(component.roles)).sort()).toEqual(["crm-admins", "sales-ops", "sales-reps"]);
    expect(out.servers.crm!.rbacEnforced).toBe(true);
  });

  it("parents the roles and their permissions to the component", () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
    const urns = [...monitor.getRegisteredResources().keys()].filter((u) => /::rbac-role-/.test(u));
    expect(urns).toHaveLength(6);
    for (const urn of urns) expect(urn).toContain(`::${mod.MCP_AUTH_AUTH0_TYPE}$auth0:index/role`);
  });
});

describe("Auth0McpAuth without group restrictions", () => {
  it("creates no role or role permissions and leaves RBAC off, by default and with mode 'off'", async () => {
    for (const [name, args] of [["plain", crmArgs()], ["off", crmArgs({ groups: { mode: "off" } })]] as const) {
      const c = new mod.Auth0McpAuth(name, args);
      const out = await promiseOf(c.outputs);
      await mocks.settled();
      expect(of(T.role, name)).toEqual([]);
      expect(of(T.rolePermissions, name)).toEqual([]);
      expect(of(T.rs, name).map((r) => r.inputs.enforcePolicies)).toEqual([false, false]);
      expect(out.roles).toEqual({});
      expect(out.servers.crm!.rbacEnforced).toBe(false);
    }
  });

  it("creates the roles without enforcing with enforce: false, and the permissions claim dialect on request", async () => {
    new mod.Auth0McpAuth("staged", crmArgs({ groups: { mode: "rbac", enforce: false } }));
    new mod.Auth0McpAuth("claim", crmArgs({ groups: { mode: "rbac", permissionsClaim: true } }));
    await mocks.settled();
    expect(of(T.role, "staged")).toHaveLength(3);
    expect(of(T.rs, "staged").map((r) => r.inputs.enforcePolicies)).toEqual([false, false]);
    expect(of(T.rs, "claim").map((r) => [r.inputs.enforcePolicies, r.inputs.tokenDialect])).toEqual([
      [true, "rfc9068_profile_authz"],
      [true, "rfc9068_profile_authz"],
    ]);
  });
});
