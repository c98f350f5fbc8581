/** Public API of the edge: the runtime-neutral core, the adapters, and the audit verifier. */
export { createEdge, EDGE_JWKS_PATH, MAX_BODY_BYTES } from "./core/edge.js";
export type { Edge, EdgeOptions, Authorized, Denial, Decision, LogEntry, Principal, RequestContext, EdgeRequest, EdgeResponse } from "./core/edge.js";
export { LiteRequest, LiteResponse, LiteHeaders, toResponse } from "./core/http.js";
export { verifyAuditChain, AuditChain, sanitizeParams } from "./core/audit.js";
export type { AuditRecord, AuditFields, ChainProblem, ParamMode } from "./core/audit.js";
export { ASSERTION_HEADER, createAssertionSigner } from "./core/assertion.js";
export type { AssertionSigner } from "./core/assertion.js";
export { TOKEN_ONLY_METHODS, HEADER_MISMATCH } from "./core/jsonrpc.js";
export { METHOD_NOT_ALLOWED } from "./core/authorize.js";
export { metadataDocument, metadataUrl, metadataPath, WELL_KNOWN_PRM } from "./core/metadata.js";
export { startLocalEdge } from "./adapters/local.js";
export type { LocalEdge } from "./adapters/local.js";
export { functionUrlHandler, httpApiHandler, requestFromV2, resultV2 } from "./adapters/aws.js";
export type { V2Event, AwsLambdaGlobal } from "./adapters/aws.js";
export { parseEdgeConfig, EdgeConfigSchema, EdgeConfigError, EDGE_CONFIG_VERSION } from "./config.js";
export type { EdgeConfig } from "./config.js";
