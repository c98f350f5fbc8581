import type { Sensitivity } from "../../model/sensitivity.js";
import { SENSITIVITY_LEVELS } from "../../model/sensitivity.js";
import type { McpAuthPlan, PlanServer } from "../../plan/schema.js";

/** Why an Auth0 API got the access-token lifetime it got. */
export interface ApiLifetimeDecision {
  /** `ResourceServer.tokenLifetime`, seconds. */
  seconds: number;
  /** The binding requirement: the scope (and tier, when a tier's own limit was lower) that set it. */
  drivenBy: { scope: string | null; sensitivity: Sensitivity; tier: string | null; minutes: number };
  /**
   * Sensitivities present on the server whose declared lifetime is longer than the API's: their
   * tokens live shorter on Auth0 than declared (safe, but more refreshes). Split the stricter tools
   * onto their own MCP server to avoid it.
   */
  shortened: Sensitivity[];
}

/**
 * The access-token lifetime of one Auth0 API (`ResourceServer.tokenLifetime`).
 *
 * Auth0 sets the lifetime per API, not per scope or per client, and Actions cannot change `exp`.
 * A token for the API can carry any scope the API holds, so the lifetime must satisfy the strictest
 * requirement a token for it can be subject to. The rule:
 *
 *   tokenLifetime = 60 × min( server.accessTokenMinutes[sensitivity(s)]      for every scope s on the server,
 *                             access(t).accessTokenMinutes[sensitivity(s)]   for every tier t and scope s it may hold here )
 *
 * `access(t).accessTokenMinutes` is already min(server, tier), so a tier with its own shorter limit
 * (e.g. an agent tier with 15-minute routine tokens) shortens the API for everyone; this fails closed.
 * A server with no scopes gets its routine lifetime. Ties name the server-level requirement, then the
 * first scope by name. The edge additionally enforces the declared maximum age per sensitivity
 * from `iat`, so a routine-only request is never accepted with an older token than declared either.
 *
 * Example (CRM): `crm` holds routine and high scopes → 15 min (900 s); `crm-admin` holds critical
 * scopes → 5 min (300 s).
 */
export function apiTokenLifetime(plan: McpAuthPlan, server: PlanServer): ApiLifetimeDecision {
  const sensitivityOf = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  const onServer = new Set(server.scopes);
  type Candidate = ApiLifetimeDecision["drivenBy"];
  const candidates: Candidate[] = [];
  for (const scope of server.scopes) {
    const sensitivity = sensitivityOf.get(scope) ?? "critical";
    candidates.push({ scope, sensitivity, tier: null, minutes: server.accessTokenMinutes[sensitivity] });
  }
  for (const access of server.access) {
    for (const scope of access.scopes) {
      if (!onServer.has(scope)) continue;
      const sensitivity = sensitivityOf.get(scope) ?? "critical";
      candidates.push({ scope, sensitivity, tier: access.tier, minutes: access.accessTokenMinutes[sensitivity] });
    }
  }
  if (candidates.length === 0) {
    candidates.push({ scope: null, sensitivity: "routine", tier: null, minutes: server.accessTokenMinutes.routine });
  }
  const best = candidates.reduce((a, b) => {
    if (b.minutes !== a.minutes) return b.minutes < a.minutes ? b : a;
    if ((a.tier === null) !== (b.tier === null)) return a.tier === null ? a : b;
    return (b.scope ?? "") < (a.scope ?? "") ? b : a;
  });
  const present = new Set(server.scopes.map((s) => sensitivityOf.get(s) ?? "critical"));
  const shortened = SENSITIVITY_LEVELS.filter((lvl) => present.has(lvl) && server.accessTokenMinutes[lvl] > best.minutes);
  return { seconds: Math.round(best.minutes * 60), drivenBy: best, shortened };
}
