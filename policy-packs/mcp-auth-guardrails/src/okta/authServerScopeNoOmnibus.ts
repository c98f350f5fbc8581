import type * as okta from "@pulumi/okta";
import { omnibusProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * Okta scopes must not be wildcard or omnibus scopes.
 * @severity high
 * @link MCP 2026-07-28 Security Best Practices, Scope Minimization ("Common Mistakes")
 */
export const oktaAuthServerScopeNoOmnibus = resourcePolicy<okta.auth.ServerScopeArgs>({
  name: "okta-auth-server-scope-no-omnibus",
  description: "Okta authorization-server scopes must be specific, never wildcard or omnibus scopes such as '*', 'all' or 'admin'.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverScope:ServerScope",
  validate(props, _config, report) {
    const problem = props.name ? omnibusProblem(props.name) : undefined;
    if (problem) report(`Okta scope '${props.name}' ${problem}; declare one scope per resource and verb (e.g. 'crm:customers:read').`);
  },
});
