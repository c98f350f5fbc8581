import type { McpAuthPlan, PlanServer, PlanTier } from "../plan/schema.js";
import { sensitivityRank, type Sensitivity } from "../model/sensitivity.js";

/**
 * Who may hold what on the local authorization server. Pure functions over the plan, shared by
 * the oidc-provider configuration (token caps) and the consent page (what a user may tick), so
 * the two cannot disagree.
 */

/** A seeded dev user (from `plan.dev.users`). */
export type DevUser = McpAuthPlan["dev"]["users"][number];

/** Finds a server by its canonical resource URI, byte-exact (RFC 8707 §2, RFC 9728 §3.3). */
export function serverByResource(plan: McpAuthPlan, resource: string): PlanServer | undefined {
  return plan.servers.find((s) => s.resource === resource);
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
  if (/^https:\/\//i.test(clientId)) return plan.tiers.find((t) => t.registration === "cimd");
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
export function userScopes(plan: McpAuthPlan, server: PlanServer, user: DevUser): string[] {
  if (plan.groups.length === 0) return [...server.scopes];
  const out = new Set<string>();
  for (const g of server.groups) if (user.groups.includes(g.group)) for (const s of g.scopes) out.add(s);
  return [...out].sort();
}

/** Scopes the consent page may grant: requested ∩ tier ∩ user. */
export function grantableScopes(plan: McpAuthPlan, server: PlanServer, tier: PlanTier | undefined, user: DevUser, requested: readonly string[]): string[] {
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

/** Whether a scope needs the step-up page before it is granted (high and critical, MCP step-up). */
export function needsStepUp(plan: McpAuthPlan, scope: string): boolean {
  return sensitivityRank(scopeSensitivity(plan, scope)) >= sensitivityRank("high");
}

/**
 * Rewrites a plan for the local stack: every server's resource becomes `<edgeOrigin>/<name>` (the
 * edge route, byte-exact as RFC 9728 §3.3 requires) and its upstream the demo MCP server.
 * @param edgeOrigin e.g. `http://127.0.0.1:9401` (no trailing slash)
 */
export function devPlan(plan: McpAuthPlan, edgeOrigin: string, upstreamFor: (server: PlanServer) => string | undefined = () => undefined): McpAuthPlan {
  const origin = edgeOrigin.replace(/\/+$/, "");
  return {
    ...plan,
    servers: plan.servers.map((s) => {
      const resource = `${origin}/${encodeURIComponent(s.name)}`;
      const upstream = upstreamFor(s);
      const { upstream: _drop, ...rest } = s;
      return { ...rest, resource, declaredResource: resource, ...(upstream ? { upstream } : {}) };
    }),
  };
}
