import type * as okta from "@pulumi/okta";
import { resourcePolicy } from "../policy.js";

/**
 * A default scope is granted to clients that did not ask for it, which defeats least privilege.
 * @severity high
 * @link okta/terraform-provider-okta docs/resources/auth_server_scope.md (`default`)
 */
export const oktaAuthServerScopeNotDefault = resourcePolicy<okta.auth.ServerScopeArgs>({
  name: "okta-auth-server-scope-not-default",
  description: "Okta authorization-server scopes must not be default scopes, which Okta grants when a client requests no scope.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverScope:ServerScope",
  validate(props, _config, report) {
    if (props.default === true) report(`Okta scope '${props.name}' is a default scope; set 'default: false' so a client only gets the scopes it asks for.`);
  },
});
