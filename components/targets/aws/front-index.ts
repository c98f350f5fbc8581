// The authorization front on AWS (McpAuthFront) and what composing it with McpEdge needs.
export { McpAuthFront, MCP_AUTH_FRONT_TYPE, FRONT_TAG, FRONT_EDGE_SECRET_ENV } from "./front.js";
export { AWS_FRONT_DEFAULTS, McpAuthFrontArgsError, validateFrontArgs } from "./front-args.js";
export type { McpAuthFrontArgs, McpAuthFrontUpstreamArgs } from "./front-args.js";
export { FRONT_LOG_EVENTS, FRONT_METRIC_NAMESPACE, frontMetricNamespace } from "./front-resources.js";
