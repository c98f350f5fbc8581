import { defineRule, scopeTarget } from "./helpers.js";

export default defineRule({
  id: "scope-sprawl",
  severity: "warning",
  fix: "Split the scope by resource or verb, or raise `guardrails.sprawlLimit`.",
  description: "No scope sits behind more tools than `guardrails.sprawlLimit` (default 8): split it by resource or verb.",
  reference: "MCP 2026-07-28 Security Best Practices, Scope Minimization (Bundling unrelated privileges)",
  *findings(plan) {
    const limit = plan.guardrails.sprawlLimit;
    const tools = new Map<string, number>();
    for (const server of plan.servers) {
      for (const op of server.operations) if (op.kind === "tool") for (const s of op.scopes) tools.set(s, (tools.get(s) ?? 0) + 1);
    }
    for (const scope of plan.scopes) {
      const n = tools.get(scope.name) ?? 0;
      if (n <= limit) continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' is required by ${n} tools, more than the sprawl limit of ${limit}.`,
        fix: "Split it into narrower scopes per resource or verb, or raise guardrails.sprawlLimit if the tools truly share one privilege.",
      };
    }
  },
});
