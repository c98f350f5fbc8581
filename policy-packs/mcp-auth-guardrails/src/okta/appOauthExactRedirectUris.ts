import type * as okta from "@pulumi/okta";
import { resourcePolicy } from "../policy.js";
import { redirectUriProblem } from "pulumi-mcp-auth";

/**
 * Redirect URIs must be exact: https, or loopback http for native clients, never wildcards.
 * @severity high
 * @link MCP 2025-11-25 Authorization ("MUST validate exact redirect URIs"; "localhost or HTTPS")
 */
export const oktaAppOauthExactRedirectUris = resourcePolicy<okta.app.OAuthArgs>({
  name: "okta-app-oauth-exact-redirect-uris",
  description: "Okta OAuth apps must register exact redirect URIs (https or loopback http), with wildcard redirects disabled.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:app/oAuth:OAuth",
  validate(props, _config, report) {
    if (props.wildcardRedirect !== undefined && props.wildcardRedirect !== "DISABLED") {
      report(`Okta app '${props.label}' enables wildcard redirects ('${props.wildcardRedirect}'); set 'wildcardRedirect: "DISABLED"' and list exact redirect URIs.`);
    }
    for (const uri of props.redirectUris ?? []) {
      const problem = redirectUriProblem(uri);
      if (problem) report(`Okta app '${props.label}' redirect URI '${uri}' ${problem}; register exact https URIs, or loopback http for native clients.`);
    }
  },
});
