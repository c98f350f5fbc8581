import type * as auth0 from "@pulumi/auth0";
import { resourcePolicy } from "../policy.js";

/** Auth0's API token lifetime when `tokenLifetime` is not set: one day (seconds). */
export const AUTH0_DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;

/**
 * Auth0 APIs default to one-day access tokens; the lifetime must be explicit and short.
 * @severity high
 * @link auth0/terraform-provider-auth0 docs/resources/resource_server.md (`token_lifetime`)
 */
export const auth0ResourceServerTokenLifetime = resourcePolicy<auth0.ResourceServerArgs, { maxTokenLifetimeSeconds: number }>({
  name: "auth0-resource-server-token-lifetime",
  description: "Auth0 resource servers must set 'tokenLifetime' explicitly, at most one hour by default.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "auth0:index/resourceServer:ResourceServer",
  config: {
    schema: { properties: { maxTokenLifetimeSeconds: { type: "integer", minimum: 60, default: 3600, description: "Upper bound for an API's access-token lifetime, seconds." } } },
    defaults: { maxTokenLifetimeSeconds: 3600 },
  },
  validate(props, config, report) {
    const api = props.identifier ?? props.name ?? "(unnamed)";
    if (props.tokenLifetime === undefined) {
      report(`Auth0 resource server '${api}' does not set 'tokenLifetime', so Auth0 issues ${AUTH0_DEFAULT_TOKEN_LIFETIME_SECONDS}-second (one-day) tokens; set it to at most ${config.maxTokenLifetimeSeconds}.`);
    } else if (props.tokenLifetime > config.maxTokenLifetimeSeconds) {
      report(`Auth0 resource server '${api}' issues ${props.tokenLifetime}-second access tokens; set 'tokenLifetime' to at most ${config.maxTokenLifetimeSeconds}.`);
    }
  },
});
