import { defineRule, scopeTarget } from "./helpers.js";
import { omnibusProblem } from "./omnibus.js";

/** `<domain>:<resource>:<verb>`, each segment lowercase `[a-z0-9_]`, starting with a letter. */
export const SCOPE_NAME_PATTERN = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/;

export default defineRule({
  id: "scope-name-format",
  severity: "error",
  fix: "Rename it `<domain>:<resource>:<verb>`, e.g. `crm:customers:read`.",
  description: "Every scope is named `<domain>:<resource>:<verb>`: three lowercase `[a-z0-9_]` segments, each starting with a letter.",
  reference: "docs/declarations.md#scopes; MCP 2026-07-28 Security Best Practices, Scope Minimization",
  *findings(plan) {
    for (const scope of plan.scopes) {
      // Wildcard/omnibus names get one finding, from `no-omnibus-scopes`.
      if (SCOPE_NAME_PATTERN.test(scope.name) || omnibusProblem(scope.name)) continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' is not of the form <domain>:<resource>:<verb> with lowercase [a-z0-9_] segments, each starting with a letter.`,
        fix: "Rename it per resource and verb, e.g. 'crm:customers:read', and update every tool, tier and group that names it.",
      };
    }
  },
});
