import type { McpAuthPlan, PlanServer, PlanTier } from "../plan/schema.js";
import type { Sensitivity } from "../model/sensitivity.js";

/**
 * Rank of a sensitivity level, lowest first: the order of `SENSITIVITY_LEVELS` in
 * `model/sensitivity.ts` (test/front/policy-rank.test.ts checks they agree). Kept here so that the
 * front's Lambda bundle does not build that module's zod schemas at every cold start.
 */
const RANK: Readonly<Record<Sensitivity, number>> = { routine: 0, high: 1, critical: 2 };
const sensitivityRank = (level: Sensitivity): number => RANK[level];

/**
 * Who may hold what on the authorization front. Pure functions over the plan, shared by the
 * oidc-provider configuration (token caps) and the consent page (what a user may tick), so the two
 * cannot disagree.
 */

/** A signed-in user as the front sees them: the upstream identity mapped onto the plan. */
export interface FrontUser {
  /** Name shown on pages and retyped on the step-up page (upstream `preferred_username`, else email). */
  username: string;
  name: string;
  email: string;
  /** Plan group names (mapped from the upstream's groups by each group's `idpGroup`). */
  groups: string[];
}

/**
 * Maps the groups (or roles) an upstream IdP reports onto the plan's groups: a plan group applies
 * when the upstream reports its `idpGroup` (Okta/Auth0 group or role name, Entra group object ID).
 */
export function planGroupsOf(plan: McpAuthPlan, upstreamGroups: readonly string[]): string[] {
  const have = new Set(upstreamGroups);
  return plan.groups.filter((g) => have.has(g.idpGroup)).map((g) => g.name).sort();
}

/** Finds a server by its canonical resource URI, byte-exact (RFC 8707 §2, RFC 9728 §3.3). */
export function serverByResource(plan: McpAuthPlan, resource: string): PlanServer | undefined {
  return plan.servers.find((s) => s.resource === resource);
}

/**
 * The plan's resource URI that `resource` names when it differs from it only in the case of its
 * scheme and host (MCP 2026-07-28 Authorization, "Canonical Server URI": "While the canonical form
 * uses lowercase scheme and host components, implementations SHOULD accept uppercase scheme and
 * host components"); otherwise `resource` as given. The path, query, port and a trailing slash are
 * compared byte-exact, as before.
 */
export function canonicalResource(plan: McpAuthPlan, resource: string): string {
  if (serverByResource(plan, resource)) return resource;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([\s\S]*)$/.exec(resource);
  if (!m) return resource;
  const folded = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3]}`;
  return serverByResource(plan, folded)?.resource ?? resource;
}

/**
 * The tier a client belongs to. Pre-registered clients (tiers with `clients`) are looked up by
 * client ID; an `https:` client ID is a client ID metadata document (the `cimd` tier); every other
 * client was registered dynamically (the `dcr` tier). A client with no matching tier has none:
 * callers must then refuse it every scope (fail closed).
 */
export function tierOfClient(plan: McpAuthPlan, clientId: string): PlanTier | undefined {
  const pre = plan.tiers.find((t) => t.clients.some((c) => c.name === clientId));
  if (pre) return pre;
  // URL client IDs are client ID metadata documents (http only on loopback in dev/test mode).
  if (/^https?:\/\//i.test(clientId)) return plan.tiers.find((t) => t.registration === "cimd");
  return plan.tiers.find((t) => t.registration === "dcr");
}

/** The scopes a tier may hold on a server (already capped by the compiler at the tier's sensitivity). */
export function tierScopes(server: PlanServer, tier: PlanTier | undefined): string[] {
  if (!tier) return [];
  return server.access.find((a) => a.tier === tier.name)?.scopes ?? [];
}

/**
 * The scopes a user's groups allow on a server. When the plan declares no groups at all, every
 * user may be granted whatever the client's tier allows (documented dev convenience); when it
 * declares groups, a user outside them gets nothing (fail closed).
 */
export function userScopes(plan: McpAuthPlan, server: PlanServer, user: Pick<FrontUser, "groups">): string[] {
  if (plan.groups.length === 0) return [...server.scopes];
  const out = new Set<string>();
  for (const g of server.groups) if (user.groups.includes(g.group)) for (const s of g.scopes) out.add(s);
  return [...out].sort();
}

/** Scopes the consent page may grant: requested ∩ tier ∩ user. */
export function grantableScopes(plan: McpAuthPlan, server: PlanServer, tier: PlanTier | undefined, user: Pick<FrontUser, "groups">, requested: readonly string[]): string[] {
  const tierSet = new Set(tierScopes(server, tier));
  const userSet = new Set(userScopes(plan, server, user));
  return [...new Set(requested)].filter((s) => tierSet.has(s) && userSet.has(s)).sort();
}

/** Effective sensitivity of a scope name (unknown scopes count as critical: fail closed). */
export function scopeSensitivity(plan: McpAuthPlan, scope: string): Sensitivity {
  return plan.scopes.find((s) => s.name === scope)?.sensitivity ?? "critical";
}

/** The highest sensitivity among scopes (routine when empty). */
export function highestSensitivity(plan: McpAuthPlan, scopes: Iterable<string>): Sensitivity {
  let best: Sensitivity = "routine";
  for (const s of scopes) {
    const level = scopeSensitivity(plan, s);
    if (sensitivityRank(level) > sensitivityRank(best)) best = level;
  }
  return best;
}

/**
 * Access-token lifetime in seconds for a token carrying `scopes` on `server` for a client of
 * `tier`: the plan's minutes (min of server and tier) at the highest sensitivity granted.
 */
export function accessTokenSeconds(plan: McpAuthPlan, server: PlanServer, tier: PlanTier | undefined, scopes: Iterable<string>): number {
  const level = highestSensitivity(plan, scopes);
  const minutes = (tier && server.access.find((a) => a.tier === tier.name)?.accessTokenMinutes) ?? server.accessTokenMinutes;
  return Math.max(60, Math.round(minutes[level] * 60));
}

/** Refresh-token lifetime in seconds for a tier on a server (tier settings win; server otherwise). */
export function refreshTokenSeconds(server: PlanServer | undefined, tier: PlanTier | undefined): number {
  const rt = (server && tier && server.access.find((a) => a.tier === tier.name)?.refreshToken) ?? tier?.refreshToken ?? server?.refreshToken;
  return Math.round((rt?.lifetimeDays ?? 1) * 86_400);
}

/** How long a refresh token may go unused (`refreshToken.idleDays`), in seconds; undefined when not declared. */
export function refreshTokenIdleSeconds(server: PlanServer | undefined, tier: PlanTier | undefined): number | undefined {
  const rt = (server && tier && server.access.find((a) => a.tier === tier.name)?.refreshToken) ?? tier?.refreshToken ?? server?.refreshToken;
  return rt?.idleDays !== undefined ? Math.round(rt.idleDays * 86_400) : undefined;
}

/** Whether a scope needs the step-up page before it is granted (high and critical, MCP step-up). */
export function needsStepUp(plan: McpAuthPlan, scope: string): boolean {
  return sensitivityRank(scopeSensitivity(plan, scope)) >= sensitivityRank("high");
}
