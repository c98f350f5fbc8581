import type * as okta from "@pulumi/okta";
import { resourcePolicy } from "../policy.js";

/** Okta issues refresh tokens when the rule allows `offline_access` (or every scope); some configurations also list a `refresh_token` grant. */
const REFRESH_SCOPES = new Set(["offline_access", "*"]);

/**
 * A rule that lets clients get refresh tokens must bound how long they live: without
 * `refreshTokenLifetimeMinutes` (or with 0) Okta's refresh tokens never expire.
 * @severity high
 * @link RFC 9700 §4.14 (refresh tokens: bound their lifetime); okta/terraform-provider-okta docs/resources/auth_server_policy_rule.md
 */
export const oktaAuthServerPolicyRuleRefreshTokenLifetime = resourcePolicy<okta.auth.ServerPolicyRuleArgs, { maxRefreshTokenDays: number }>({
  name: "okta-auth-server-policy-rule-refresh-token-lifetime",
  description: "Okta policy rules that issue refresh tokens (offline_access) must set a refresh-token lifetime within the bound.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverPolicyRule:ServerPolicyRule",
  config: {
    schema: { properties: { maxRefreshTokenDays: { type: "integer", minimum: 1, default: 90, description: "Longest refresh-token lifetime, days." } } },
    defaults: { maxRefreshTokenDays: 90 },
  },
  validate(props, config, report) {
    const scopes = (props.scopeWhitelists ?? []) as string[];
    const grants = (props.grantTypeWhitelists ?? []) as string[];
    if (!scopes.some((s) => REFRESH_SCOPES.has(s)) && !grants.includes("refresh_token")) return;
    const minutes = props.refreshTokenLifetimeMinutes;
    const max = config.maxRefreshTokenDays * 1440;
    if (minutes === undefined || minutes === 0) {
      report(`Okta policy rule '${props.name}' issues refresh tokens without 'refreshTokenLifetimeMinutes', so they never expire; set it to at most ${max} (${config.maxRefreshTokenDays} days).`);
    } else if (minutes > max) {
      report(`Okta policy rule '${props.name}' lets refresh tokens live ${minutes} minutes; set 'refreshTokenLifetimeMinutes' to at most ${max} (${config.maxRefreshTokenDays} days).`);
    }
  },
});
