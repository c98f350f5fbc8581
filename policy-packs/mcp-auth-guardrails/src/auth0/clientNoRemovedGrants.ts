import type * as auth0 from "@pulumi/auth0";
import { REMOVED_GRANT_TYPES, resourcePolicy } from "../policy.js";

/**
 * OAuth 2.1 removed the implicit and password grants (Auth0 names the latter `password` and
 * `http://auth0.com/oauth/grant-type/password-realm`).
 * @severity high
 * @link OAuth 2.1 §10.1, §10.2
 */
export const auth0ClientNoRemovedGrants = resourcePolicy<auth0.ClientArgs>({
  name: "auth0-client-no-removed-grants",
  description: "Auth0 clients must not use the implicit or password grants, which OAuth 2.1 removed.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "auth0:index/client:Client",
  validate(props, _config, report) {
    for (const g of props.grantTypes ?? []) {
      if (REMOVED_GRANT_TYPES.has(g) || g.endsWith("/password-realm")) {
        report(`Auth0 client '${props.name}' allows the '${g}' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.`);
      }
    }
  },
});
