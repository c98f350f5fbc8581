import { defineRule, tierTarget } from "./helpers.js";

export default defineRule({
  id: "no-implicit-or-password-grant",
  severity: "error",
  fix: "Use `authorization_code` with PKCE (or `client_credentials` for machines).",
  description: "No tier uses the implicit or resource-owner password grant; OAuth 2.1 removed both.",
  reference: "RFC 9700 §2.1.2 (implicit) and §2.4 (password); OAuth 2.1 draft (both grants omitted)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      for (const grant of tier.grantTypes) {
        if (grant !== "implicit" && grant !== "password") continue;
        yield {
          target: tierTarget(tier.name),
          message: `Tier '${tier.name}' allows the ${grant} grant, which OAuth 2.1 removed.`,
          fix: `Replace "${grant}" in tiers.${tier.name}.grantTypes with "authorization_code" (with PKCE)${grant === "password" ? " or, for machines, \"client_credentials\"" : ""}.`,
        };
      }
    }
  },
});
