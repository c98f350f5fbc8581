import { defineRule, scopeTarget } from "./helpers.js";

export default defineRule({
  id: "scope-has-sensitivity",
  severity: "error",
  fix: "Add `sensitivity` to the scope.",
  description: "Every scope declares a sensitivity (routine, high or critical); an undeclared one is treated as critical.",
  reference: "docs/declarations.md#sensitivity",
  *findings(plan) {
    for (const scope of plan.scopes) {
      if (scope.sensitivityDeclared) continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' has no sensitivity, so it is treated as critical (5-minute tokens, step-up, verified tier only).`,
        fix: "Add `sensitivity: \"routine\" | \"high\" | \"critical\"` to the scope declaration.",
      };
    }
  },
});
