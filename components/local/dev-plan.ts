import type { McpAuthPlan, PlanServer } from "../plan/schema.js";

/**
 * Rewrites a plan for the local stack: every server's resource becomes `<edgeOrigin>/<name>` (the
 * edge route, byte-exact as RFC 9728 §3.3 requires) and its upstream the demo MCP server.
 * @param edgeOrigin e.g. `http://127.0.0.1:9401` (no trailing slash)
 */
export function devPlan(plan: McpAuthPlan, edgeOrigin: string, upstreamFor: (server: PlanServer) => string | undefined = () => undefined): McpAuthPlan {
  const origin = edgeOrigin.replace(/\/+$/, "");
  return {
    ...plan,
    servers: plan.servers.map((s) => {
      const resource = `${origin}/${encodeURIComponent(s.name)}`;
      const upstream = upstreamFor(s);
      const { upstream: _drop, ...rest } = s;
      return { ...rest, resource, declaredResource: resource, ...(upstream ? { upstream } : {}) };
    }),
  };
}
