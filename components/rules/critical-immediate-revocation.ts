import { defineRule, planTarget, serverTarget } from "./helpers.js";

export default defineRule({
  id: "critical-immediate-revocation",
  severity: "error",
  fix: "Keep `\"critical\"` in `tokens.immediateRevocation` (the default).",
  description: "Tokens carrying critical scopes are revocable immediately: `critical` stays in `tokens.immediateRevocation` globally and on every server.",
  reference: "docs/declarations.md#sensitivity (critical: immediate revocation); RFC 7662 (token introspection)",
  *findings(plan) {
    const critical = plan.sensitivities.find((s) => s.level === "critical");
    if (critical && !critical.immediateRevocation) {
      yield {
        target: planTarget(plan.name),
        message: "The global token policy does not make tokens with critical scopes revocable immediately.",
        fix: 'Add "critical" to tokens.immediateRevocation (it is the default when the field is omitted).',
      };
    }
    const criticalScopes = new Set(plan.scopes.filter((s) => s.sensitivity === "critical").map((s) => s.name));
    for (const server of plan.servers) {
      const revocable = new Set(server.immediateRevocation);
      const missing = server.scopes.filter((s) => criticalScopes.has(s) && !revocable.has(s));
      if (missing.length === 0) continue;
      yield {
        target: serverTarget(server.name),
        message: `Server '${server.name}' does not revoke tokens immediately for critical scope${missing.length === 1 ? "" : "s"} ${missing.map((s) => `'${s}'`).join(", ")}.`,
        fix: 'Add "critical" to the server\'s tokens.immediateRevocation (or remove the override).',
      };
    }
  },
});
