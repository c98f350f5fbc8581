import { resourceUriProblem } from "../plan/resource-uri.js";
import { defineRule, serverTarget } from "./helpers.js";

export default defineRule({
  id: "canonical-resource-uri",
  severity: "error",
  fix: "Use the exact https URL clients connect to, with a path and no trailing slash.",
  description: "Every server's resource URI is canonical: https, a non-empty path, no trailing slash, query, fragment or user information.",
  reference: "RFC 8707 §2; RFC 9728 §3; MCP 2025-06-18+ Authorization (Canonical Server URI)",
  *findings(plan) {
    for (const server of plan.servers) {
      const problem = resourceUriProblem(server.resource);
      if (!problem) continue;
      yield {
        target: serverTarget(server.name),
        message: `Server '${server.name}' has resource URI '${server.declaredResource}', which ${problem}.`,
        fix: "Use the exact https URL clients connect to, with its path and without a trailing slash, e.g. https://mcp.example.com/crm.",
      };
    }
  },
});
