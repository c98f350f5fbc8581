import type * as azuread from "@pulumi/azuread";
import { omnibusProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * Entra delegated permission scopes must be specific, never wildcard or omnibus scopes.
 * @severity high
 * @link MCP 2026-07-28 Security Best Practices, Scope Minimization
 */
export const entraApplicationScopesNoOmnibus = resourcePolicy<azuread.ApplicationArgs & azuread.ApplicationPermissionScopeArgs>({
  name: "entra-application-scopes-no-omnibus",
  description: "Entra delegated permission scopes must be specific, never wildcard or omnibus values such as 'all', 'admin' or 'full_access'.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: ["azuread:index/application:Application", "azuread:index/applicationPermissionScope:ApplicationPermissionScope"],
  validate(props, _config, report) {
    const values = [...(props.api?.oauth2PermissionScopes ?? []).map((s) => s.value), ...(props.value ? [props.value] : [])];
    for (const v of values) {
      if (!v) continue;
      // Hand-written Entra APIs often use dotted values (`crm.customers.all`): check both spellings.
      const problem = omnibusProblem(v) ?? omnibusProblem(v.replace(/\./g, ":"));
      if (problem) report(`Entra permission scope '${v}' ${problem}; declare one scope per resource and verb.`);
    }
  },
});
