import { defineRule, operationTarget } from "./helpers.js";

export default defineRule({
  id: "operations-require-scopes",
  severity: "error",
  fix: "Give the operation the narrowest scope it needs.",
  description: "Every tool, resource and prompt requires at least one declared scope; none is open to any token.",
  reference: "MCP 2026-07-28 Security Best Practices, Scope Minimization (per-operation scopes)",
  *findings(plan) {
    for (const server of plan.servers) {
      for (const op of server.operations) {
        if (op.scopes.length > 0) continue;
        yield {
          target: operationTarget(server.name, op),
          message: `The ${op.kind} '${op.name}' on server '${server.name}' requires no scope, so any token for the server can use it.`,
          fix: `Add the narrowest scope it needs to its \`scopes\` (e.g. '<domain>:<resource>:read').`,
        };
      }
    }
  },
});
