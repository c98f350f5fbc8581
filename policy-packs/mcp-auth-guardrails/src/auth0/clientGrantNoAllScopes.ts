import type * as auth0 from "@pulumi/auth0";
import { omnibusProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * `allowAllScopes` grants every current and future scope of the API.
 * @severity critical
 * @link auth0/terraform-provider-auth0 docs/resources/client_grant.md (`allow_all_scopes`)
 */
export const auth0ClientGrantNoAllScopes = resourcePolicy<auth0.ClientGrantArgs>({
  name: "auth0-client-grant-no-all-scopes",
  description: "Auth0 client grants must list their scopes, never 'allowAllScopes: true' or an omnibus scope.",
  enforcementLevel: "mandatory",
  severity: "critical",
  resourceType: "auth0:index/clientGrant:ClientGrant",
  validate(props, _config, report) {
    const who = props.clientId ?? (props.defaultFor ? `default grant for ${props.defaultFor}` : "(unknown client)");
    if (props.allowAllScopes === true) report(`Auth0 client grant for '${who}' on '${props.audience}' allows all scopes; list exactly the scopes the tier may hold.`);
    for (const s of props.scopes ?? []) {
      const problem = omnibusProblem(s);
      if (problem) report(`Auth0 client grant for '${who}' on '${props.audience}' includes '${s}', which ${problem}.`);
    }
  },
});
