import { sensitivityRank } from "../model/sensitivity.js";
import { defineRule, tierTarget } from "./helpers.js";

export default defineRule({
  id: "tier-scope-lists",
  severity: "warning",
  description: "A tier's `scopes` allowlist names no scope above its cap without an exception (it would be silently dropped), and each exception is for a scope actually above the cap.",
  fix: "Add an exception for allowlisted scopes above the cap, or remove them; remove exceptions for scopes the cap already allows.",
  reference: "docs/declarations.md#tiers",
  *findings(plan) {
    const sens = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
    for (const tier of plan.tiers) {
      const cap = sensitivityRank(tier.maxSensitivity);
      const excepted = new Set(tier.exceptions.map((e) => e.scope));
      for (const scope of tier.scopeAllowlist ?? []) {
        const level = sens.get(scope);
        if (level === undefined || sensitivityRank(level) <= cap || excepted.has(scope)) continue;
        yield {
          target: tierTarget(tier.name),
          message: `Tier '${tier.name}' allowlists ${level} scope '${scope}' above its ${tier.maxSensitivity} cap, so the tier will never hold it.`,
          fix: `Remove '${scope}' from tiers.${tier.name}.scopes, or add it to tiers.${tier.name}.exceptions with a justification.`,
        };
      }
      for (const e of tier.exceptions) {
        const level = sens.get(e.scope);
        if (level === undefined || sensitivityRank(level) > cap) continue;
        yield {
          target: tierTarget(tier.name),
          message: `Tier '${tier.name}' declares an exception for ${level} scope '${e.scope}', which its ${tier.maxSensitivity} cap already allows.`,
          fix: `Remove the exception from tiers.${tier.name}.exceptions so that exceptions keep meaning "above the cap".`,
        };
      }
    }
  },
});
