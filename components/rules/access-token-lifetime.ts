import { SENSITIVITY_BOUNDS, SENSITIVITY_LEVELS } from "../model/sensitivity.js";
import type { MinutesPerSensitivity } from "../plan/schema.js";
import type { FindingTarget } from "./types.js";
import { defineRule, planTarget, serverTarget, tierTarget } from "./helpers.js";

export default defineRule({
  id: "access-token-lifetime",
  severity: "error",
  fix: "Lower `tokens.accessTokenMinutes.<level>` (global, server or tier) to the bound.",
  description: "Access-token lifetimes stay within the bounds of their sensitivity: routine ≤ 60 min, high ≤ 15 min, critical ≤ 5 min (global policy, every server, every tier).",
  reference: "docs/declarations.md#sensitivity (lifetime bounds); RFC 9700 §2.3 (access token privilege restriction)",
  *findings(plan) {
    const places: { where: string; target: FindingTarget; minutes: MinutesPerSensitivity; field: string }[] = [
      {
        where: "the global token policy",
        target: planTarget(plan.name),
        minutes: Object.fromEntries(plan.sensitivities.map((s) => [s.level, s.accessTokenMinutes])) as MinutesPerSensitivity,
        field: "tokens.accessTokenMinutes",
      },
      ...plan.servers.map((s) => ({ where: `server '${s.name}'`, target: serverTarget(s.name), minutes: s.accessTokenMinutes, field: `the server's tokens.accessTokenMinutes` })),
      ...plan.tiers.map((t) => ({ where: `tier '${t.name}'`, target: tierTarget(t.name), minutes: t.accessTokenMinutes, field: `tiers.${t.name}.tokens.accessTokenMinutes` })),
    ];
    const global = places[0]!.minutes;
    for (const [i, p] of places.entries()) {
      for (const level of SENSITIVITY_LEVELS) {
        const value = p.minutes[level];
        // The organisation may tighten the built-in bound (plan.guardrails), never loosen it.
        const max = Math.min(SENSITIVITY_BOUNDS[level].accessTokenMinutes, plan.guardrails.maxAccessTokenMinutes?.[level] ?? Infinity);
        if (value === undefined || value <= max) continue;
        // A server or tier that inherits an out-of-bounds global value is reported once, globally.
        if (i > 0 && value === global[level]) continue;
        yield {
          target: p.target,
          message: `${p.where[0]!.toUpperCase()}${p.where.slice(1)} gives ${level} access tokens ${value} minutes, above the ${max}-minute bound.`,
          fix: `Set ${p.field}.${level} to at most ${max}.`,
        };
      }
    }
  },
});
