import { defineRule, scopeTarget } from "./helpers.js";

export default defineRule({
  id: "no-unused-scopes",
  severity: "warning",
  fix: "Remove the scope, or require it from the operations that need it.",
  description: "Every scope is used by some server (an operation or consent list) or implied by a scope that is.",
  reference: "MCP 2026-07-28 Security Best Practices, Scope Minimization",
  *findings(plan) {
    const reachable = new Set<string>();
    for (const scope of plan.scopes) if (scope.servers.length > 0) for (const g of scope.grants) reachable.add(g);
    for (const scope of plan.scopes) {
      if (reachable.has(scope.name)) continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' is not required by any tool, resource, prompt or consent list, nor implied by a scope that is.`,
        fix: "Remove it, or add it to the operations that need it.",
      };
    }
  },
});
