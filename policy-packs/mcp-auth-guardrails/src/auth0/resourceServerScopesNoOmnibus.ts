import type * as auth0 from "@pulumi/auth0";
import { omnibusProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * Auth0 API scopes must be specific, never wildcard or omnibus scopes.
 * @severity high
 * @link MCP 2026-07-28 Security Best Practices, Scope Minimization
 */
export const auth0ResourceServerScopesNoOmnibus = resourcePolicy<auth0.ResourceServerScopesArgs & auth0.ResourceServerScopeArgs>({
  name: "auth0-resource-server-scopes-no-omnibus",
  description: "Auth0 API scopes must be specific, never wildcard or omnibus scopes such as '*', 'all' or 'admin'.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: ["auth0:index/resourceServerScopes:ResourceServerScopes", "auth0:index/resourceServerScope:ResourceServerScope"],
  validate(props, _config, report) {
    const names = [...(props.scopes ?? []).map((s) => s.name), ...(props.scope ? [props.scope] : [])];
    for (const name of names) {
      const problem = omnibusProblem(name);
      if (problem) report(`Auth0 scope '${name}' on '${props.resourceServerIdentifier}' ${problem}; declare one scope per resource and verb.`);
    }
  },
});
