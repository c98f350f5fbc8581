import { defineRule, serverTarget } from "./helpers.js";

/**
 * What a server declared `authorization: "direct"` gives up compared with the authorization front
 * (docs/front.md): open registration where the IdP has none, and per-action approval of critical
 * scopes. Only explicit declarations are checked; undeclared servers keep the direct behaviour.
 */
export default defineRule({
  id: "direct-mode-trade-offs",
  severity: "warning",
  description:
    "A server declared `authorization: \"direct\"` relies only on what the IdP itself offers: CIMD and DCR clients connect only where the IdP registers them (Auth0 with DCR or CIMD enabled; not Okta or Entra), and critical scopes are not approved per action (a refresh renews them without the user).",
  fix: 'Set the server\'s `authorization` to "front", or keep "direct" only where the IdP covers the need (Auth0 with registration enabled; no critical scopes for clients holding refresh tokens).',
  reference: "docs/front.md (when to use the front); MCP 2025-11-25/2026-07-28 Authorization (client registration approaches); RFC 9700 §2.2.2 (refresh tokens)",
  *findings(plan) {
    const open = plan.tiers.filter((t) => t.registration === "cimd" || t.registration === "dcr");
    const perAction = new Set(plan.sensitivities.filter((s) => s.consent === "per-action").map((s) => s.level));
    const refreshing = new Set(plan.tiers.filter((t) => t.grantTypes.includes("refresh_token")).map((t) => t.name));
    for (const server of plan.servers) {
      if (server.authorization !== "direct") continue;
      const reached = open.filter((t) => server.access.some((a) => a.tier === t.name && a.scopes.length > 0)).map((t) => t.name);
      if (reached.length > 0) {
        yield {
          target: serverTarget(server.name),
          message: `Server '${server.name}' is in direct mode, so clients of tier${reached.length === 1 ? "" : "s"} ${reached.map((t) => `'${t}'`).join(", ")} can connect only where the IdP registers them itself (Auth0 with DCR or CIMD enabled, not Okta or Entra).`,
          fix: `Set authorization: "front" on server '${server.name}', or deploy it on Auth0 with ${reached.length === 1 ? "that registration" : "those registrations"} enabled.`,
        };
      }
      const critical = server.access.filter((a) => refreshing.has(a.tier)).flatMap((a) => a.scopes.filter((s) => perAction.has(plan.scopes.find((x) => x.name === s)?.sensitivity ?? "critical")));
      if (critical.length > 0) {
        const list = [...new Set(critical)].sort();
        yield {
          target: serverTarget(server.name),
          message: `Server '${server.name}' is in direct mode, so per-action scope${list.length === 1 ? "" : "s"} ${list.map((s) => `'${s}'`).join(", ")} can be renewed by a refresh token without the user approving the next action.`,
          fix: `Set authorization: "front" on server '${server.name}' (no refresh token carries a per-action scope there).`,
        };
      }
    }
  },
});
