import { defineRule, serverTarget } from "./helpers.js";

/**
 * Per-action consent holds only where something asks the user again for each action. In direct mode
 * the IdP is the authorization server and remembers consent (Okta, Auth0 and Entra alike), and a
 * refresh token renews a grant without the user and resets `iat`, the edge's only clock; Okta and
 * Auth0 targets withhold refresh tokens for critical grants, Entra cannot. The authorization front
 * approves each critical action and issues no refresh token for it (docs/front.md).
 */
export default defineRule({
  id: "per-action-consent-direct",
  severity: "warning",
  fix: 'Serve the server through the authorization front (`authorization: "front"`), or confirm each critical action in the MCP server (e.g. elicitation) and, on Entra, remove `refresh_token` from the tiers that hold critical scopes.',
  description:
    "Scopes declared with per-action consent are reachable by user-facing tiers only where the authorization front approves each action; in direct mode the IdP remembers consent (and Entra cannot withhold refresh tokens), so the declaration is not enforced.",
  reference: "MCP 2025-11-25 Security Best Practices (consent); OAuth 2.1 draft §4.3 (refresh tokens renew a grant without the user); docs/front.md",
  *findings(plan) {
    const perAction = new Set(plan.sensitivities.filter((s) => s.consent === "per-action").map((s) => s.level));
    const scopes = new Set(plan.scopes.filter((s) => perAction.has(s.sensitivity)).map((s) => s.name));
    const userTiers = new Map(plan.tiers.filter((t) => t.grantTypes.some((g) => g !== "client_credentials")).map((t) => [t.name, t]));
    for (const server of plan.servers) {
      // Servers behind the authorization front get per-action approval there.
      if ((server as { authorization?: unknown }).authorization === "front") continue;
      const held = server.access.filter((a) => userTiers.has(a.tier)).flatMap((a) => a.scopes.filter((s) => scopes.has(s)).map((s) => ({ tier: a.tier, scope: s })));
      if (held.length === 0) continue;
      const names = [...new Set(held.map((h) => h.scope))].sort();
      const refreshing = [...new Set(held.map((h) => h.tier))].filter((t) => userTiers.get(t)!.grantTypes.includes("refresh_token")).sort();
      yield {
        target: serverTarget(server.name),
        message:
          `Server '${server.name}' declares per-action consent for ${names.map((s) => `'${s}'`).join(", ")}, which no IdP enforces in direct mode (it remembers consent)` +
          (refreshing.length > 0 ? `, and tier${refreshing.length === 1 ? "" : "s"} ${refreshing.map((t) => `'${t}'`).join(", ")} may refresh such tokens on Entra.` : "."),
        fix: `Serve '${server.name}' through the authorization front (authorization: "front"), or confirm each critical action in the MCP server${refreshing.length > 0 ? ` and, on Entra, drop refresh_token from ${refreshing.map((t) => `tiers.${t}`).join(", ")}` : ""}.`,
      };
    }
  },
});
