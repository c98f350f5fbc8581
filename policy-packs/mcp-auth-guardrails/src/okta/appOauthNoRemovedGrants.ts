import type * as okta from "@pulumi/okta";
import { REMOVED_GRANT_TYPES, resourcePolicy } from "../policy.js";

/**
 * OAuth 2.1 removed the implicit and password grants.
 * @severity high
 * @link OAuth 2.1 §10.1, §10.2
 */
export const oktaAppOauthNoRemovedGrants = resourcePolicy<okta.app.OAuthArgs>({
  name: "okta-app-oauth-no-removed-grants",
  description: "Okta OAuth apps must not use the implicit or password grants, which OAuth 2.1 removed.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:app/oAuth:OAuth",
  validate(props, _config, report) {
    for (const g of props.grantTypes ?? []) {
      if (REMOVED_GRANT_TYPES.has(g)) report(`Okta app '${props.label}' allows the '${g}' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.`);
    }
  },
});
