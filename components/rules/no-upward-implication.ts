import { sensitivityRank } from "../model/sensitivity.js";
import { defineRule, scopeTarget } from "./helpers.js";

export default defineRule({
  id: "no-upward-implication",
  severity: "error",
  fix: "Remove the implication or reverse it (broader implies narrower).",
  description: "A scope never implies a scope of higher sensitivity (implications go from broader to narrower).",
  reference: "docs/declarations.md#implication; MCP 2026-07-28 Authorization (servers MUST honour scope hierarchies)",
  *findings(plan) {
    const byName = new Map(plan.scopes.map((s) => [s.name, s]));
    for (const scope of plan.scopes) {
      for (const implied of scope.implies) {
        const target = byName.get(implied);
        if (!target || sensitivityRank(target.sensitivity) <= sensitivityRank(scope.sensitivity)) continue;
        yield {
          target: scopeTarget(scope.name),
          message: `Scope '${scope.name}' (${scope.sensitivity}) implies '${implied}' (${target.sensitivity}), so holding a ${scope.sensitivity} scope would grant a ${target.sensitivity} one.`,
          fix: `Remove '${implied}' from scopes["${scope.name}"].implies, or reverse the implication.`,
        };
      }
    }
  },
});
