import type * as okta from "@pulumi/okta";
import { omnibusProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/** OpenID Connect scopes a rule may list beside the taxonomy (`offline_access` asks for a refresh token). */
const OIDC_SCOPES: ReadonlySet<string> = new Set(["openid", "profile", "email", "address", "phone", "offline_access"]);

/**
 * `scopeWhitelists: ["*"]` lets a rule grant every scope of the authorization server.
 * @severity critical
 * @link okta/terraform-provider-okta docs/resources/auth_server_policy_rule.md (`scope_whitelist`)
 */
export const oktaAuthServerPolicyRuleNoWildcardScopes = resourcePolicy<okta.auth.ServerPolicyRuleArgs>({
  name: "okta-auth-server-policy-rule-no-wildcard-scopes",
  description: "Okta policy rules must list the scopes they grant, never '*' or an omnibus scope.",
  enforcementLevel: "mandatory",
  severity: "critical",
  resourceType: "okta:auth/serverPolicyRule:ServerPolicyRule",
  validate(props, _config, report) {
    const scopes = props.scopeWhitelists ?? [];
    if (scopes.length === 0) {
      report(`Okta policy rule '${props.name ?? "(unnamed)"}' has no scope whitelist, so it matches every scope; list exactly the scopes the tier may hold.`);
      return;
    }
    for (const s of scopes) {
      if (OIDC_SCOPES.has(s)) continue;
      if (s === "*") report(`Okta policy rule '${props.name ?? "(unnamed)"}' whitelists '*', which grants every scope; list exactly the scopes the tier may hold.`);
      else if (omnibusProblem(s)) report(`Okta policy rule '${props.name ?? "(unnamed)"}' whitelists '${s}', which ${omnibusProblem(s)}; list specific scopes instead.`);
    }
  },
});
