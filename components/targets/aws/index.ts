// AWS target: the MCP authorization edge on Lambda (gateway or REST API authorizer mode) and its audit surface.
export { McpEdge, MCP_EDGE_TYPE, EDGE_TAG, serverUrls } from "./edge.js";
export type { McpEdgeOutputs, McpEdgeServerUrls } from "./edge.js";
export { AWS_EDGE_DEFAULTS, EDGE_RUNTIMES, LOG_RETENTION_DAYS, McpEdgeArgsError, validateEdgeArgs } from "./args.js";
export type { McpEdgeArgs, McpEdgeServerArgs, McpEdgeRestApiArgs, McpEdgeCustomDomainArgs } from "./args.js";
export { ARCHIVE_BUNDLE_NAME, ARCHIVE_CONFIG_NAME, LAMBDA_ENV_LIMIT_BYTES, edgeConfigFileText, fetchJwksSnapshot, prepareConfig, checkCustomDomain } from "./archive.js";
export { AUDIT_METRIC_NAMESPACE, QUERY_PLACEHOLDERS, savedQueries, auditMetrics, sensitiveScopes } from "./audit.js";
export type { SavedQuery, AuditMetric } from "./audit.js";
export { staticUnauthorizedChallenge } from "./restapi.js";
export { metadataUrlFor } from "./urls.js";
export { AWS_GATEWAY_CAPABILITIES, AWS_AUTHORIZER_CAPABILITIES, awsCapabilityReport } from "./capabilities.js";
export { prebuiltBundle } from "./bundle.js";
export * from "./front-index.js";
