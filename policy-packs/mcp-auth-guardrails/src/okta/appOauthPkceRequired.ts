import type * as okta from "@pulumi/okta";
import { resourcePolicy } from "../policy.js";

/** App types whose default grant (no `grantTypes` given) is a user flow. */
const USER_FACING_TYPES: ReadonlySet<string> = new Set(["web", "native", "browser"]);

/**
 * Authorization-code clients must use PKCE (OAuth 2.1 §4.1.1; MCP requires S256).
 * @severity high
 * @link OAuth 2.1 §4.1.1; MCP 2025-11-25 Authorization, PKCE
 */
export const oktaAppOauthPkceRequired = resourcePolicy<okta.app.OAuthArgs>({
  name: "okta-app-oauth-pkce-required",
  description: "Okta OAuth apps that use the authorization-code grant must require PKCE.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:app/oAuth:OAuth",
  validate(props, _config, report) {
    // Without `grantTypes` the provider applies "the minimum requirements per app type": the
    // authorization-code grant for user-facing apps (web, native, browser); only `service` apps go without.
    const grants = props.grantTypes ?? (USER_FACING_TYPES.has(String(props.type)) ? ["authorization_code"] : []);
    if (grants.includes("authorization_code") && props.pkceRequired !== true) {
      report(`Okta app '${props.label}' uses the authorization-code grant without 'pkceRequired: true'; require PKCE (S256).`);
    }
  },
});
