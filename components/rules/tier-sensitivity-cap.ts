import type { PlanTier } from "../plan/schema.js";
import { defineRule, tierTarget } from "./helpers.js";

/**
 * Why a tier is capped at routine, or undefined when it may hold high and critical scopes.
 *
 * Semantics (docs/rules.md): "public" in "DCR/CIMD/public tiers" means *openly registered*: any
 * party can obtain a client identity by calling the registration endpoint (DCR, RFC 7591) or by
 * hosting a metadata document (CIMD), so the identity proves nothing about who runs the client.
 * Client-credentials tiers act with no user present, so there is nobody to step up or re-consent.
 * Pre-registered tiers (admin-reviewed clients with exact redirect URIs, public or confidential)
 * may hold any level: that is the "verified" tier of the design. A capped tier may still hold a
 * specific scope above routine through `exceptions`, each with a written justification.
 */
export function capReason(tier: Pick<PlanTier, "registration">): string | undefined {
  switch (tier.registration) {
    case "dcr":
      return "dynamically registered clients can be created by anyone";
    case "cimd":
      return "any party can host a client ID metadata document on an allowed domain";
    case "client-credentials":
      return "client-credentials clients act with no user present to step up or re-consent";
    default:
      return undefined;
  }
}

export default defineRule({
  id: "tier-sensitivity-cap",
  severity: "error",
  fix: "Set the tier's `maxSensitivity` to `routine` and list needed scopes in `exceptions` with a justification.",
  description: "DCR, CIMD and client-credentials tiers have maxSensitivity routine; they hold a high or critical scope only through an explicit `exceptions` entry with a justification.",
  reference: "docs/rules.md#semantics-worth-knowing (tier caps); MCP 2026-07-28 Authorization (DCR deprecated, CIMD)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      const reason = capReason(tier);
      if (!reason || tier.maxSensitivity === "routine") continue;
      yield {
        target: tierTarget(tier.name),
        message: `Tier '${tier.name}' (${tier.registration}) may hold ${tier.maxSensitivity} scopes, but ${reason}.`,
        fix: `Set tiers.${tier.name}.maxSensitivity to "routine" and list each scope it truly needs above that in tiers.${tier.name}.exceptions with a justification.`,
      };
    }
  },
});
