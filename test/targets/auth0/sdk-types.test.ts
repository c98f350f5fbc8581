import type * as auth0 from "@pulumi/auth0";
import { describe, expect, it } from "vitest";
import { buildAuth0Model, parseAuth0Args, type Auth0Model } from "../../../components/targets/auth0/index.js";
import { crmArgs } from "./fixtures.js";

// Compile-time checks against @pulumi/auth0 3.49.0 (run by `tsc --noEmit`, which includes test/).
// The model's resource inputs must be assignable to the SDK's Args types as they are passed.
type Rs = Auth0Model["servers"][number]["resourceServer"];
const rsArgs = (rs: Rs): auth0.ResourceServerArgs => ({ ...rs });
const scopeArgs = (s: Auth0Model["servers"][number]): auth0.ResourceServerScopesArgs => ({ resourceServerIdentifier: s.resourceServer.identifier, scopes: s.scopes });
const refreshArgs = (c: Auth0Model["clients"][number]): auth0.types.input.ClientRefreshToken | undefined => c.refreshToken;

// @ts-expect-error Client has no tokenEndpointAuthMethod in 3.x: the auth method lives on ClientCredentials.
const noAuthMethod: auth0.ClientArgs = { name: "x", tokenEndpointAuthMethod: "none" };
// @ts-expect-error ResourceServer has no inline scopes in 3.x: ResourceServerScopes owns them.
const noInlineScopes: auth0.ResourceServerArgs = { identifier: "https://mcp.example.com/crm", scopes: [] };
const credentials: auth0.ClientCredentialsArgs = { clientId: "id", authenticationMethod: "none" };
// @ts-expect-error ClientGrant needs an audience.
const grantWithoutAudience: auth0.ClientGrantArgs = { clientId: "id", scopes: [] };
// Group restrictions: the role model maps onto RoleArgs and RolePermissionsArgs as passed.
type RoleModel = Auth0Model["roles"][number];
const roleArgs = (r: RoleModel): auth0.RoleArgs => ({ name: r.name, description: r.description });
const rolePermissionsArgs = (r: RoleModel): auth0.RolePermissionsArgs => ({ roleId: "rol_x", permissions: r.permissions });
// @ts-expect-error A role permission names its API: resourceServerIdentifier is required.
const permissionWithoutApi: auth0.types.input.RolePermissionsPermission = { name: "crm:deals:close" };
// @ts-expect-error Roles hold no inline permissions in 3.x: RolePermissions owns them.
const noInlinePermissions: auth0.RoleArgs = { name: "CRM Sales", permissions: [] };

describe("@pulumi/auth0 3.49 input types", () => {
  it("accept the model's resource-server, scope and refresh-token inputs unchanged", () => {
    const m = buildAuth0Model(parseAuth0Args(crmArgs()));
    const crm = m.servers[0]!;
    expect(rsArgs(crm.resourceServer).identifier).toBe("https://mcp.example.com/crm");
    expect(scopeArgs(crm).scopes).toEqual(crm.scopes);
    expect(refreshArgs(m.clients.find((c) => c.tier === "verified")!)).toBeDefined();
    expect([noAuthMethod, noInlineScopes, credentials, grantWithoutAudience]).toHaveLength(4);
  });

  it("accept the role model's role and role-permission inputs unchanged", () => {
    const m = buildAuth0Model(parseAuth0Args(crmArgs({ groups: { mode: "rbac" } })));
    const reps = m.roles.find((r) => r.group === "sales-reps")!;
    expect(roleArgs(reps).name).toBe("CRM Sales");
    expect(rolePermissionsArgs(reps).permissions).toEqual(reps.permissions);
    expect([permissionWithoutApi, noInlinePermissions]).toHaveLength(2);
  });
});
