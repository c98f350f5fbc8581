import type { McpAuthPlan, PlanServer, PlanTier } from "../../plan/schema.js";
import type { Sensitivity } from "../../model/sensitivity.js";
import { SENSITIVITY_LEVELS } from "../../model/sensitivity.js";
import { entraAppPermissionValue, entraRoleValue, entraScopeValue, entraValueProblem, stableAppPermissionId, stableRoleId, stableScopeId } from "./ids.js";

/**
 * Plan → Entra mapping as plain data (no Pulumi): what the component creates, computed once so
 * that it can be unit-tested and shown in docs without mocks.
 */

/** Entra access-token lifetime bounds for a token lifetime policy, minutes (10 min – 1 day). */
export const ENTRA_MIN_ACCESS_TOKEN_MINUTES = 10;
export const ENTRA_MAX_ACCESS_TOKEN_MINUTES = 1440;

/** One delegated permission (`api.oauth2PermissionScopes[]`). */
export interface EntraScopeSpec {
  /** Declared scope name. */
  readonly scope: string;
  /** Entra `value`, carried in the token's `scp`. */
  readonly value: string;
  /** Stable UUIDv5 of (resource, scope). */
  readonly id: string;
  /** `User` for scopes consented at install (routine), `Admin` for the rest (high, critical). */
  readonly type: "User" | "Admin";
  readonly sensitivity: Sensitivity;
  readonly adminConsentDisplayName: string;
  readonly adminConsentDescription: string;
  readonly userConsentDisplayName?: string;
  readonly userConsentDescription?: string;
  /** What a client sends in `scope` to Entra: `<Application ID URI>/<value>`. */
  readonly requestScope: string;
}

/** One app role (`appRoles[]`) standing for a declared group on this server. */
export interface EntraRoleSpec {
  readonly group: string;
  /** The group's name in the IdP (display name of the Entra group). */
  readonly idpGroup: string;
  readonly id: string;
  readonly value: string;
  readonly displayName: string;
  readonly description: string;
  /** Declared scopes members may be granted on this server. */
  readonly scopes: readonly string[];
}

/**
 * One application permission (`appRoles[]` with `allowedMemberTypes: ["Application"]`) standing for
 * a scope an app-only (client-credentials) tier may hold on this server. App-only tokens carry it
 * in `roles`; the edge maps it back to the scope (`roles.grants`).
 */
export interface EntraAppPermissionSpec {
  readonly scope: string;
  /** `app.<scope>` (legal Entra value). */
  readonly value: string;
  /** Stable UUIDv5 of (resource, scope). */
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

/** A client of a client-credentials tier (an agent, no user), created once and shared by every server. */
export interface EntraAgentSpec {
  /** Resource-name key: `<tier>-<client>`. */
  readonly key: string;
  readonly tier: string;
  readonly client: string;
  readonly displayName: string;
}

/** The application permissions one agent client is assigned on one server (its tier's scopes there). */
export interface EntraAgentGrantSpec {
  readonly clientKey: string;
  readonly scopes: readonly string[];
  /** `appRoles[].id`s of those scopes' application permissions. */
  readonly appRoleIds: readonly string[];
}

/** A pre-registered client of a pre-registered tier, created once and shared by every server. */
export interface EntraClientSpec {
  /** Resource-name key: `<tier>-<client>`. */
  readonly key: string;
  readonly tier: string;
  readonly client: string;
  readonly displayName: string;
  readonly clientType: "public" | "confidential";
  /** Loopback and custom-scheme redirect URIs (mobile and desktop platform). */
  readonly publicClientRedirectUris: readonly string[];
  /** https redirect URIs of a public client (single-page application platform: auth code + PKCE). */
  readonly spaRedirectUris: readonly string[];
  /** Redirect URIs of a confidential client (web platform). */
  readonly webRedirectUris: readonly string[];
}

/** Pre-authorization of one client on one server (no consent prompt for these scopes). */
export interface EntraPreAuthSpec {
  readonly clientKey: string;
  readonly scopes: readonly string[];
  readonly permissionIds: readonly string[];
  /** `value`s of the Admin-type scopes among them (the admin-consent grant's `claimValues`). */
  readonly adminScopeValues: readonly string[];
}

export interface EntraServerSpec {
  readonly server: string;
  readonly resource: string;
  /** Application ID URI: the canonical resource URI itself (Entra compares `resource` with it). */
  readonly identifierUri: string;
  readonly displayName: string;
  readonly description?: string;
  readonly scopes: readonly EntraScopeSpec[];
  readonly roles: readonly EntraRoleSpec[];
  /** Application permissions for the scopes the agent tiers hold here (empty without agent clients). */
  readonly appPermissions: readonly EntraAppPermissionSpec[];
  readonly agentGrants: readonly EntraAgentGrantSpec[];
  /** Whether the plan declares groups: then every delegated scope needs a group role (as on Okta). */
  readonly groupGated: boolean;
  readonly preAuthorized: readonly EntraPreAuthSpec[];
  /** The access-token lifetime to ask Entra for (token lifetime policy), minutes. */
  readonly idpAccessTokenMinutes: number;
  /** Sensitivities present on this server whose declared lifetime is below what Entra can issue: the edge enforces them. */
  readonly edgeEnforcedLevels: readonly Sensitivity[];
  /** Declared refresh-token lifetime, days (Conditional Access sign-in frequency). */
  readonly refreshTokenDays: number;
}

export interface EntraPlanSpec {
  readonly servers: readonly EntraServerSpec[];
  readonly clients: readonly EntraClientSpec[];
  /** Clients of client-credentials tiers. */
  readonly agents: readonly EntraAgentSpec[];
}

function isLoopbackOrNative(uri: string): boolean {
  try {
    const u = new URL(uri);
    if (u.protocol === "http:") return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    return u.protocol !== "https:";
  } catch {
    return false;
  }
}

/** Tiers whose clients the target creates and pre-authorizes: pre-registered, user-facing (authorization code). */
export function preRegisteredTiers(plan: McpAuthPlan): PlanTier[] {
  return plan.tiers.filter((t) => t.registration === "pre-registered" && t.grantTypes.includes("authorization_code"));
}

/** Tiers whose clients the target creates as agents: client credentials (no user, application permissions). */
export function agentTiers(plan: McpAuthPlan): PlanTier[] {
  return plan.tiers.filter((t) => t.registration === "client-credentials" && t.grantTypes.includes("client_credentials"));
}

function agentSpecs(plan: McpAuthPlan): EntraAgentSpec[] {
  return agentTiers(plan).flatMap((t) => t.clients.map((c) => ({ key: `${t.name}-${c.name}`, tier: t.name, client: c.name, displayName: c.displayName })));
}

function clientSpecs(plan: McpAuthPlan): EntraClientSpec[] {
  const out: EntraClientSpec[] = [];
  for (const tier of preRegisteredTiers(plan)) {
    for (const c of tier.clients) {
      const uris = c.redirectUris;
      const pub = tier.clientType === "public";
      out.push({
        key: `${tier.name}-${c.name}`,
        tier: tier.name,
        client: c.name,
        displayName: c.displayName,
        clientType: tier.clientType,
        publicClientRedirectUris: pub ? uris.filter(isLoopbackOrNative) : [],
        spaRedirectUris: pub ? uris.filter((u) => !isLoopbackOrNative(u)) : [],
        webRedirectUris: pub ? [] : uris,
      });
    }
  }
  return out;
}

function idpLifetime(plan: McpAuthPlan, server: PlanServer): { minutes: number; edge: Sensitivity[] } {
  const byName = new Map(plan.scopes.map((s) => [s.name, s]));
  const present = SENSITIVITY_LEVELS.filter((l) => server.scopes.some((s) => byName.get(s)?.sensitivity === l));
  const levels = present.length ? present : (["routine"] as Sensitivity[]);
  const shortest = Math.min(...levels.map((l) => server.accessTokenMinutes[l]));
  const minutes = Math.min(ENTRA_MAX_ACCESS_TOKEN_MINUTES, Math.max(ENTRA_MIN_ACCESS_TOKEN_MINUTES, shortest));
  return { minutes, edge: levels.filter((l) => server.accessTokenMinutes[l] < minutes) };
}

function serverSpec(plan: McpAuthPlan, server: PlanServer, clients: readonly EntraClientSpec[], agents: readonly EntraAgentSpec[]): EntraServerSpec {
  const byName = new Map(plan.scopes.map((s) => [s.name, s]));
  const consentOf = new Map(plan.sensitivities.map((s) => [s.level, s.consent]));
  const scopes: EntraScopeSpec[] = server.scopes.map((name) => {
    const s = byName.get(name);
    if (!s) throw new Error(`Entra target: server '${server.name}' uses scope '${name}' that the plan does not declare`);
    const value = entraScopeValue(name);
    const type = consentOf.get(s.sensitivity) === "install" ? "User" : "Admin";
    return {
      scope: name,
      value,
      id: stableScopeId(server.resource, name),
      type,
      sensitivity: s.sensitivity,
      adminConsentDisplayName: s.displayName,
      adminConsentDescription: s.description,
      ...(type === "User" ? { userConsentDisplayName: s.displayName, userConsentDescription: s.description } : {}),
      requestScope: `${server.resource}/${value}`,
    };
  });
  const groups = new Map(plan.groups.map((g) => [g.name, g]));
  const roles: EntraRoleSpec[] = server.groups
    .filter((g) => g.scopes.length > 0)
    .map((g) => {
      const decl = groups.get(g.group);
      const idpGroup = decl?.idpGroup ?? g.group;
      return {
        group: g.group,
        idpGroup,
        id: stableRoleId(server.resource, g.group),
        value: entraRoleValue(g.group),
        displayName: idpGroup,
        description: `${decl?.description ?? g.group}: may be granted ${g.scopes.join(", ")} on ${server.displayName}`,
        scopes: g.scopes,
      };
    });
  // Application permissions: one per scope that an agent client's tier holds on this server.
  const agentScopes = (tier: string) => (server.access.find((a) => a.tier === tier)?.scopes ?? []).filter((s) => byName.has(s) && server.scopes.includes(s));
  const appScopes = [...new Set(agents.flatMap((a) => agentScopes(a.tier)))].sort();
  const appPermissions: EntraAppPermissionSpec[] = appScopes.map((scope) => {
    const s = byName.get(scope)!;
    return {
      scope,
      value: entraAppPermissionValue(scope),
      id: stableAppPermissionId(server.resource, scope),
      displayName: `${s.displayName} (application)`,
      description: `${s.description} Granted to agents without a user (client credentials).`,
    };
  });
  const appByScope = new Map(appPermissions.map((p) => [p.scope, p]));
  const agentGrants: EntraAgentGrantSpec[] = agents
    .map((a) => ({ clientKey: a.key, scopes: agentScopes(a.tier) }))
    .filter((g) => g.scopes.length > 0)
    .map((g) => ({ ...g, appRoleIds: g.scopes.map((s) => appByScope.get(s)!.id) }));
  // Roles and scopes share one value namespace per application (azuread ApplicationPermissionScope docs).
  const seen = new Map<string, string>();
  const values = [
    ...scopes.map((s) => [s.value, `scope '${s.scope}'`]),
    ...roles.map((r) => [r.value, `group '${r.group}'`]),
    ...appPermissions.map((p) => [p.value, `the application permission for '${p.scope}'`]),
  ] as Array<[string, string]>;
  for (const v of values) {
    const problem = entraValueProblem(v[0]);
    if (problem) throw new Error(`Entra target: value '${v[0]}' for ${v[1]} ${problem}`);
    const prev = seen.get(v[0]);
    if (prev) throw new Error(`Entra target: ${prev} and ${v[1]} both map to the Entra value '${v[0]}' on server '${server.name}'; rename one`);
    seen.set(v[0], v[1]);
  }
  const scopeByName = new Map(scopes.map((s) => [s.scope, s]));
  const preAuthorized: EntraPreAuthSpec[] = [];
  for (const c of clients) {
    const held = (server.access.find((a) => a.tier === c.tier)?.scopes ?? []).filter((s) => scopeByName.has(s));
    if (held.length === 0) continue;
    const specs = held.map((s) => scopeByName.get(s)!);
    preAuthorized.push({
      clientKey: c.key,
      scopes: held,
      permissionIds: specs.map((s) => s.id),
      adminScopeValues: specs.filter((s) => s.type === "Admin").map((s) => s.value),
    });
  }
  const life = idpLifetime(plan, server);
  return {
    server: server.name,
    resource: server.resource,
    identifierUri: server.resource,
    displayName: server.displayName,
    ...(server.description ? { description: server.description } : {}),
    scopes,
    roles,
    appPermissions,
    agentGrants,
    groupGated: plan.groups.length > 0,
    preAuthorized,
    idpAccessTokenMinutes: life.minutes,
    edgeEnforcedLevels: life.edge,
    refreshTokenDays: server.refreshToken.lifetimeDays,
  };
}

/**
 * What the Entra target provisions for `plan` (optionally only the named servers).
 * @throws Error naming the server and the fix when a value is illegal or two values collide.
 */
export function entraPlanSpec(plan: McpAuthPlan, serverNames?: readonly string[]): EntraPlanSpec {
  const clients = clientSpecs(plan);
  const agents = agentSpecs(plan);
  const wanted = serverNames ?? plan.servers.map((s) => s.name);
  const servers = wanted.map((name) => {
    const s = plan.servers.find((x) => x.name === name);
    if (!s) throw new Error(`Entra target: no MCP server named '${name}' in plan '${plan.name}'; known: ${plan.servers.map((x) => x.name).join(", ")}`);
    return serverSpec(plan, s, clients, agents);
  });
  return { servers, clients, agents };
}
