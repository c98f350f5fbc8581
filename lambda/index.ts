/** Public API of the edge (runtime-neutral core plus adapters). */
export { createEdge, EDGE_JWKS_PATH, MAX_BODY_BYTES } from "./core/edge.js";
export type { Edge, EdgeOptions, Decision, LogEntry, Principal, RequestContext } from "./core/edge.js";
export { verifyAuditChain, AuditChain, sanitizeParams } from "./core/audit.js";
export type { AuditRecord, ChainProblem, ParamMode } from "./core/audit.js";
export { ASSERTION_HEADER, createAssertionSigner } from "./core/assertion.js";
export { metadataDocument, metadataUrl, metadataPath, WELL_KNOWN_PRM } from "./core/metadata.js";
export { parseEdgeConfig, EdgeConfigSchema, EdgeConfigError, EDGE_CONFIG_VERSION } from "./config.js";
export type { EdgeConfig } from "./config.js";
