import type { McpAuthPlan } from "../../plan/schema.js";

/** One API permission a role holds: a scope of one Auth0 API (`RolePermissions.permissions[]`). */
export interface Auth0RolePermission {
  /** The API identifier (the server's canonical resource URI). */
  resourceServerIdentifier: string;
  /** The scope name. */
  name: string;
}

/**
 * One `auth0.Role` (+ one `auth0.RolePermissions` when it holds anything) per declared group, for
 * `groups: { mode: "rbac" }`. With RBAC on an API (`enforcePolicies: true`), Auth0 puts in a
 * user-delegated token's `scope` only the requested scopes the user holds as permissions through
 * their roles, so a role per group restricts every user token to what the user's groups may hold.
 */
export interface Auth0RoleModel {
  /** The plan group (`plan.groups[].name`), used in logical names and outputs. */
  group: string;
  /** The role's name in Auth0: the group's `idpGroup`, so a group-to-role mapping Action can match names. */
  name: string;
  description: string;
  /**
   * Every (API, scope) pair the group's members may be granted, over all servers (from
   * `plan.servers[].groups[].scopes`, which already include implied scopes): sorted by API, then scope.
   * Empty when the group holds nothing on any server (then no `RolePermissions` is created).
   */
  permissions: Auth0RolePermission[];
}

/** Descriptions are kept to 140 characters, like the clients' (Auth0's limit for application descriptions). */
const DESCRIPTION_MAX = 140;

/** The roles for a plan's groups, in the plan's group order. Pure. */
export function rolesForPlan(plan: McpAuthPlan): Auth0RoleModel[] {
  return plan.groups.map((g) => {
    const permissions = plan.servers
      .flatMap((s) => [...new Set(s.groups.find((x) => x.group === g.name)?.scopes ?? [])].filter((scope) => s.scopes.includes(scope)).map((name) => ({ resourceServerIdentifier: s.resource, name })))
      .sort((a, b) => cmp(a.resourceServerIdentifier, b.resourceServerIdentifier) || cmp(a.name, b.name));
    return {
      group: g.name,
      name: g.idpGroup,
      description: `${g.description ?? `Members of ${g.name}`} [pulumi-mcp-auth ${plan.name}/${g.name}]`.slice(0, DESCRIPTION_MAX),
      permissions,
    };
  });
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
