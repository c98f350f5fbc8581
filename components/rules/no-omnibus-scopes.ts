import { defineRule, scopeTarget } from "./helpers.js";
import { omnibusProblem } from "./omnibus.js";

export default defineRule({
  id: "no-omnibus-scopes",
  severity: "error",
  fix: "Split it into one scope per resource and verb; drop `offline_access` from `scopes`.",
  description: "No wildcard or omnibus scopes (`*`, `all`, `admin`, `full_access`, `default`, `basic`, `…:*`, `…:all`), and `offline_access` is not a taxonomy scope.",
  reference: "MCP 2026-07-28 Security Best Practices, Scope Minimization (Common Mistakes); MCP 2026-07-28 Authorization (offline_access)",
  *findings(plan) {
    for (const scope of plan.scopes) {
      const problem = omnibusProblem(scope.name);
      if (!problem) continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' ${problem}.`,
        fix:
          scope.name === "offline_access"
            ? "Remove 'offline_access' from 'scopes'; refresh tokens are governed by each tier's refresh-token policy."
            : "Replace it with one scope per resource and verb (e.g. 'crm:customers:read', 'crm:customers:delete') and grant only what each tool needs.",
      };
    }
  },
});
