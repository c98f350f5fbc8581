import { SENSITIVITY_BOUNDS } from "../model/sensitivity.js";
import { defineRule, planTarget, serverTarget } from "./helpers.js";

export default defineRule({
  id: "reconsent-cadence",
  severity: "error",
  fix: "Set `consent.reconsentDays.high/critical` to at most 90.",
  description: "Consent to high and critical scopes is renewed at least every 90 days (global policy and every server).",
  reference: "docs/declarations.md#sensitivity (re-consent ≤ 90 days for high and critical)",
  *findings(plan) {
    for (const level of ["high", "critical"] as const) {
      const max = SENSITIVITY_BOUNDS[level].reconsentDays ?? 90;
      const global = plan.sensitivities.find((s) => s.level === level)?.reconsentDays;
      if (global !== undefined && global > max) {
        yield {
          target: planTarget(plan.name),
          message: `The global consent policy renews consent to ${level} scopes every ${global} days, above the ${max}-day bound.`,
          fix: `Set consent.reconsentDays.${level} to at most ${max}.`,
        };
      }
      for (const server of plan.servers) {
        const days = server.consent.reconsentDays[level];
        // A server that inherits the global value is reported once, above.
        if (days <= max || days === global) continue;
        yield {
          target: serverTarget(server.name),
          message: `Server '${server.name}' renews consent to ${level} scopes every ${days} days, above the ${max}-day bound.`,
          fix: `Set the server's consent.reconsentDays.${level} to at most ${max}.`,
        };
      }
    }
  },
});
