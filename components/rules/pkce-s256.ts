import { defineRule, tierTarget } from "./helpers.js";

export default defineRule({
  id: "pkce-s256",
  severity: "error",
  fix: "Remove `pkce` (default S256) or set it to `\"S256\"`.",
  description: "Every tier using the authorization-code grant requires PKCE with S256.",
  reference: "RFC 7636 §4.2 (S256); RFC 9700 §2.1.1 (PKCE); MCP 2025-11-25/2026-07-28 Authorization (clients MUST use S256)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      if (!tier.grantTypes.includes("authorization_code") || tier.pkce === "S256") continue;
      yield {
        target: tierTarget(tier.name),
        message: `Tier '${tier.name}' uses the authorization-code grant with PKCE '${tier.pkce}' instead of S256.`,
        fix: `Remove tiers.${tier.name}.pkce (the default is "S256") or set it to "S256".`,
      };
    }
  },
});
