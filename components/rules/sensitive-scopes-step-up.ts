import { defineRule, serverTarget } from "./helpers.js";

export default defineRule({
  id: "sensitive-scopes-step-up",
  severity: "error",
  fix: "Remove it from `consent.mandatory`/`optional`; high and critical scopes default to step-up.",
  description: "High and critical scopes are never requested at install (mandatory or optional); they are step-up scopes, challenged on first use.",
  reference: "MCP 2025-11-25/2026-07-28 Authorization (scopes_supported minimal set; insufficient_scope step-up); docs/declarations.md#sensitivity",
  *findings(plan) {
    const sens = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
    for (const server of plan.servers) {
      for (const list of ["mandatory", "optional"] as const) {
        for (const scope of server.consent[list]) {
          const level = sens.get(scope);
          if (level !== "high" && level !== "critical") continue;
          yield {
            target: serverTarget(server.name),
            message: `Server '${server.name}' lists ${level} scope '${scope}' as ${list}, so it is requested at install instead of on first use.`,
            fix: `Remove '${scope}' from the server's consent.${list} (undeclared high and critical scopes default to step-up).`,
          };
        }
      }
    }
  },
});
