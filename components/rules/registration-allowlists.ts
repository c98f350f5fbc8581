import { defineRule, tierTarget } from "./helpers.js";

export default defineRule({
  id: "registration-allowlists",
  severity: "warning",
  description: "A DCR tier restricts the redirect URIs registering clients may use (`allowedRedirectUris`), and a CIMD tier restricts which metadata-document hosts it trusts (`allowedDomains` or pre-registered `clients`).",
  fix: "Declare `allowedRedirectUris` on DCR tiers and `allowedDomains` (or `clients`) on CIMD tiers.",
  reference: "RFC 7591 §5 (registration security); MCP 2025-11-25/2026-07-28 Authorization (CIMD: domain-based trust policies, SSRF)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      if (tier.registration === "dcr" && tier.allowedRedirectUris.length === 0) {
        yield {
          target: tierTarget(tier.name),
          message: `Tier '${tier.name}' lets dynamically registered clients register any redirect URI.`,
          fix: `List the accepted callbacks in tiers.${tier.name}.allowedRedirectUris (e.g. "http://127.0.0.1/callback").`,
        };
      }
      if (tier.registration === "cimd" && tier.allowedDomains.length === 0 && tier.clients.length === 0) {
        yield {
          target: tierTarget(tier.name),
          message: `Tier '${tier.name}' trusts client ID metadata documents from any host.`,
          fix: `List trusted hosts in tiers.${tier.name}.allowedDomains, or pre-register the CIMD clients in tiers.${tier.name}.clients.`,
        };
      }
    }
  },
});
