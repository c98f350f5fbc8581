import type * as okta from "@pulumi/okta";
import { sensitiveVerbWord } from "pulumi-mcp-auth";
import { LIFETIME_DEFAULTS, LIFETIME_SCHEMA, resourcePolicy } from "../policy.js";

/** Okta's access-token lifetime when a rule does not set one (minutes). */
export const OKTA_DEFAULT_ACCESS_TOKEN_MINUTES = 60;

/**
 * Access tokens are short-lived: 60 minutes at most, 15 when the rule can grant a destructive or
 * exfiltrating scope (MCP 2025-06-18 and later: "Authorization servers SHOULD issue short-lived
 * access tokens"). Okta applies the first matching rule by priority, so a rule whose whitelist
 * includes a high-sensitivity scope must itself carry the short lifetime.
 * @severity high
 */
export const oktaAuthServerPolicyRuleAccessTokenLifetime = resourcePolicy<okta.auth.ServerPolicyRuleArgs, typeof LIFETIME_DEFAULTS>({
  name: "okta-auth-server-policy-rule-access-token-lifetime",
  description: "Okta policy rules must issue access tokens for at most 60 minutes, and at most 15 when they can grant a destructive or exfiltrating scope.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverPolicyRule:ServerPolicyRule",
  config: { schema: LIFETIME_SCHEMA, defaults: LIFETIME_DEFAULTS },
  validate(props, config, report) {
    const minutes = props.accessTokenLifetimeMinutes ?? OKTA_DEFAULT_ACCESS_TOKEN_MINUTES;
    const implicit = props.accessTokenLifetimeMinutes === undefined ? " (Okta's default)" : "";
    const sensitive = (props.scopeWhitelists ?? []).filter((s) => s === "*" || sensitiveVerbWord(s));
    const rule = props.name ?? "(unnamed)";
    if (sensitive.length > 0 && minutes > config.maxHighSensitivityAccessTokenMinutes) {
      report(
        `Okta policy rule '${rule}' issues ${minutes}-minute access tokens${implicit} but can grant ${sensitive.join(", ")}; set 'accessTokenLifetimeMinutes' to at most ${config.maxHighSensitivityAccessTokenMinutes}.`,
      );
    } else if (minutes > config.maxAccessTokenMinutes) {
      report(`Okta policy rule '${rule}' issues ${minutes}-minute access tokens${implicit}; set 'accessTokenLifetimeMinutes' to at most ${config.maxAccessTokenMinutes}.`);
    }
  },
});
