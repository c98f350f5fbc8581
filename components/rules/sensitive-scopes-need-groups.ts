import { defineRule, serverTarget } from "./helpers.js";

/**
 * Least privilege for people: which users may hold a high or critical scope is an SSO group decision.
 * A plan that declares no groups at all leaves that decision to the client's tier alone, so every
 * user who signs in through a user-facing tier may be granted every high and critical scope the tier
 * allows (the authorization front and the local stack grant what the user's groups declare, and
 * everything the tier allows when no group is declared; the IdP targets map groups onto their own
 * access rules). Client-credentials tiers act with no user, so they are not concerned.
 */
export default defineRule({
  id: "sensitive-scopes-need-groups",
  severity: "warning",
  fix: "Declare `groups` naming the IdP groups whose members may be granted each high and critical scope.",
  description: "A plan whose user-facing tiers may hold high or critical scopes declares groups, so that not every signed-in user may be granted them.",
  reference: "MCP 2026-07-28 Security Best Practices, Scope Minimization; docs/declarations.md#groups",
  *findings(plan) {
    if (plan.groups.length > 0) return;
    const sens = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
    const userTiers = new Set(plan.tiers.filter((t) => t.registration !== "client-credentials").map((t) => t.name));
    for (const server of plan.servers) {
      const sensitive = new Set<string>();
      for (const a of server.access) {
        if (!userTiers.has(a.tier)) continue;
        for (const s of a.scopes) if (sens.get(s) === "high" || sens.get(s) === "critical") sensitive.add(s);
      }
      if (sensitive.size === 0) continue;
      const list = [...sensitive].sort();
      yield {
        target: serverTarget(server.name),
        message: `Server '${server.name}': the plan declares no groups, so every user who signs in may be granted ${list.length === 1 ? "the sensitive scope" : `the ${list.length} sensitive scopes`} ${list.map((s) => `'${s}'`).join(", ")}.`,
        fix: `Declare groups (\`groups\`) and list ${list.length === 1 ? "it" : "each"} under the groups whose members should hold ${list.length === 1 ? "it" : "them"}.`,
      };
    }
  },
});
