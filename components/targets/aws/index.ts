// AWS target: the MCP authorization edge on Lambda (gateway or REST API authorizer mode) and its audit surface.
export { McpEdge, MCP_EDGE_TYPE, EDGE_TAG, serverUrls } from "./edge.js";
export type { McpEdgeOutputs, McpEdgeServerUrls } from "./edge.js";
export { AWS_EDGE_DEFAULTS, EDGE_RUNTIMES, LOG_RETENTION_DAYS, McpEdgeArgsError, validateEdgeArgs, checkCertificateArn } from "./args.js";
export type { McpEdgeArgs, McpEdgeServerArgs, McpEdgeRestApiArgs, McpEdgeCustomDomainArgs, McpEdgeIdp } from "./args.js";
export { ASSERTION_KEY_ARN_ENV, SECRETS_ARN_ENV, ASSERTION_KEY_TYPES, generateAssertionJwk, namedSecretsDocument } from "./secrets.js";
export { edgeInputs, idpEdgeConfig } from "./inputs.js";
export { functionDescription, logGroupName, LAMBDA_DESCRIPTION_MAX } from "./function.js";
export { ARCHIVE_BUNDLE_NAME, ARCHIVE_CONFIG_NAME, LAMBDA_ENV_LIMIT_BYTES, edgeConfigFileText, fetchJwksSnapshot, prepareConfig, checkCustomDomain } from "./archive.js";
export { AUDIT_METRIC_NAMESPACE, auditMetricNamespace, QUERY_PLACEHOLDERS, savedQueries, auditMetrics, sensitiveScopes } from "./audit.js";
export type { SavedQuery, AuditMetric } from "./audit.js";
export { staticUnauthorizedChallenge } from "./restapi.js";
export { metadataUrlFor } from "./urls.js";
export { AWS_GATEWAY_CAPABILITIES, AWS_AUTHORIZER_CAPABILITIES, awsCapabilityReport } from "./capabilities.js";
export { prebuiltBundle } from "./bundle.js";
export * from "./front-index.js";
export type { AuditSurfaceArgs } from "./audit-surface-function.js";
