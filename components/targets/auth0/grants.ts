import { sensitivityRank } from "../../model/sensitivity.js";
import type { McpAuthPlan, PlanServer, PlanTier } from "../../plan/schema.js";
import { SUBJECT_TYPE, type SubjectType } from "./values.js";

/** One `auth0.ClientGrant` on one API. */
export interface Auth0GrantModel {
  /** Unique within the server, used in the logical name: `verified.claude-code.user`, `third-party-default`. */
  key: string;
  subjectType: SubjectType;
  /** Sorted; never empty (a grant with no scope is not created). */
  scopes: string[];
  target:
    | { kind: "client"; tier: string; clientKey: string }
    /** `defaultFor: third_party_clients`: what any DCR or self-identified CIMD client gets. */
    | { kind: "third-party-default"; tiers: string[] };
}

/** Grants that carry a user (authorization code and the other interactive or delegated grants). */
const USER_GRANTS = new Set(["authorization_code", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"]);

/**
 * The client grants of one API. Each tier is a set of grants limited to the scopes the plan says
 * that tier may hold on this server (`server.access[].scopes`):
 * - pre-registered and client-credentials tiers: one grant per declared client, `subjectType: user`
 *   for interactive grants and `client` for `client_credentials`;
 * - CIMD tiers: one user grant per declared (admin-registered) CIMD client;
 * - DCR tiers, and CIMD tiers for the clients nobody declared: Auth0 treats every such client as
 *   third-party and gives it the single `defaultFor: third_party_clients` grant. Its scopes are the
 *   intersection of what every such tier may hold, so no self-registered client can get a scope
 *   above the cap of the most restricted of those tiers.
 * Every grant is checked against its tier's sensitivity cap (plus declared exceptions); a violation
 * throws, because it means the plan and the grant disagree and nothing should be provisioned.
 */
export function grantsForServer(plan: McpAuthPlan, server: PlanServer): Auth0GrantModel[] {
  const grants: Auth0GrantModel[] = [];
  const accessOf = new Map(server.access.map((a) => [a.tier, new Set(a.scopes.filter((s) => server.scopes.includes(s)))]));
  for (const tier of plan.tiers) {
    const scopes = [...(accessOf.get(tier.name) ?? [])].sort();
    if (scopes.length === 0 || tier.registration === "dcr") continue;
    for (const client of tier.clients) {
      const clientKey = `${tier.name}.${client.name}`;
      const subjects: SubjectType[] = [];
      if (tier.grantTypes.some((g) => USER_GRANTS.has(g))) subjects.push(SUBJECT_TYPE.user);
      if (tier.registration !== "cimd" && tier.grantTypes.includes("client_credentials")) subjects.push(SUBJECT_TYPE.client);
      for (const subjectType of subjects) {
        grants.push({ key: `${clientKey}.${subjectType}`, subjectType, scopes, target: { kind: "client", tier: tier.name, clientKey } });
      }
    }
  }
  const thirdParty = plan.tiers.filter((t) => t.registration === "dcr" || t.registration === "cimd");
  if (thirdParty.length > 0) {
    const sets = thirdParty.map((t) => accessOf.get(t.name) ?? new Set<string>());
    const scopes = [...sets[0]!].filter((s) => sets.every((set) => set.has(s))).sort();
    if (scopes.length > 0) {
      grants.push({
        key: "third-party-default",
        subjectType: SUBJECT_TYPE.user,
        scopes,
        target: { kind: "third-party-default", tiers: thirdParty.map((t) => t.name).sort() },
      });
    }
  }
  const tierByName = new Map(plan.tiers.map((t) => [t.name, t]));
  for (const g of grants) {
    const tiers = g.target.kind === "client" ? [g.target.tier] : g.target.tiers;
    for (const name of tiers) assertWithinCap(plan, tierByName.get(name)!, g.scopes, `${server.name}/${g.key}`);
  }
  return grants;
}

/** Scopes a tier may hold anywhere: up to its cap, plus declared exceptions and what they imply. */
export function scopesWithinCap(plan: McpAuthPlan, tier: PlanTier): Set<string> {
  const cap = sensitivityRank(tier.maxSensitivity);
  const allowed = new Set(plan.scopes.filter((s) => sensitivityRank(s.sensitivity) <= cap).map((s) => s.name));
  for (const e of tier.exceptions) {
    for (const g of plan.scopes.find((s) => s.name === e.scope)?.grants ?? [e.scope]) allowed.add(g);
  }
  return allowed;
}

function assertWithinCap(plan: McpAuthPlan, tier: PlanTier, scopes: readonly string[], where: string): void {
  const allowed = scopesWithinCap(plan, tier);
  const above = scopes.filter((s) => !allowed.has(s));
  if (above.length > 0) {
    throw new Error(
      `Auth0 grant ${where} would give tier '${tier.name}' (max ${tier.maxSensitivity}) ${above.join(", ")}; ` +
        `the plan's access list for this tier is inconsistent with its cap. Recompile the plan, or declare an exception with a justification.`,
    );
  }
}
