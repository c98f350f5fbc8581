import type * as okta from "@pulumi/okta";
import { REMOVED_GRANT_TYPES, resourcePolicy } from "../policy.js";

/**
 * OAuth 2.1 removed the implicit and password grants.
 * @severity high
 * @link OAuth 2.1 §10.1, §10.2
 */
export const oktaAuthServerPolicyRuleNoRemovedGrants = resourcePolicy<okta.auth.ServerPolicyRuleArgs>({
  name: "okta-auth-server-policy-rule-no-removed-grants",
  description: "Okta policy rules must not allow the implicit or password grants, which OAuth 2.1 removed.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverPolicyRule:ServerPolicyRule",
  validate(props, _config, report) {
    for (const g of props.grantTypeWhitelists ?? []) {
      if (REMOVED_GRANT_TYPES.has(g)) report(`Okta policy rule '${props.name ?? "(unnamed)"}' allows the '${g}' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.`);
    }
  },
});
