// Public API of pulumi-mcp-auth. Explicit named re-exports only; types kept separate.
export { defineMcpAuth, parseDeclarations, DeclarationError, formatPath } from "./model/validate.js";
export type { DeclarationIssue } from "./model/validate.js";
export {
  McpAuthDeclarationSchema,
  ScopeDeclarationSchema,
  ServerDeclarationSchema,
  TierDeclarationSchema,
  GroupDeclarationSchema,
  REGISTRATION_KINDS,
  GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from "./model/declarations.js";
export type {
  McpAuthDeclaration,
  McpAuthDeclarationInput,
  ScopeDeclaration,
  ServerDeclaration,
  TierDeclaration,
  GroupDeclaration,
} from "./model/declarations.js";
export { SENSITIVITY_LEVELS, SENSITIVITY_DEFAULTS, SENSITIVITY_BOUNDS, sensitivityRank, maxSensitivity } from "./model/sensitivity.js";
export type { Sensitivity, SensitivityPolicy, ConsentMode } from "./model/sensitivity.js";
export { compile, serializePlan, COMPILE_DEFAULTS, OFFLINE_ACCESS } from "./plan/compile.js";
export { McpAuthPlanSchema, PLAN_VERSION } from "./plan/schema.js";
export type { McpAuthPlan, PlanScope, PlanServer, PlanTier, PlanGroup, PlanOperation, PlanServerAccess, PlanClient } from "./plan/schema.js";
export { canonicalResourceUri, resourceUriProblem } from "./plan/resource-uri.js";
export { edgeConfigFor, planServer } from "./edge-config.js";
export type { IdpTokenFacts } from "./edge-config.js";
export { EdgeConfigSchema, parseEdgeConfig, EdgeConfigError, EDGE_CONFIG_VERSION } from "../lambda/config.js";
export type { EdgeConfig } from "../lambda/config.js";
export { rules, runRules, ruleById, summarizeFindings } from "./rules/index.js";
export type { RunRulesOptions } from "./rules/index.js";
export type { Finding, FindingTarget, Rule, Severity } from "./rules/types.js";
export { renderRuleTable } from "./rules/catalogue.js";
export { omnibusProblem } from "./rules/omnibus.js";
export { redirectUriProblem } from "./rules/exact-redirect-uris.js";
export { sensitiveVerbWord } from "./rules/sensitive-verbs-not-routine.js";
export { declarationOfPlan, planDerivationIssues, planDerivationProblems } from "./plan/derivation.js";
export { findImplicationCycles, implicationClosure } from "./plan/closure.js";
export { renderCapabilityTable } from "./targets/capabilities.js";
export type { Capability, CapabilityReport, CapabilitySupport } from "./targets/capabilities.js";
export * from "./diff/index.js";
export { buildSecurityReport, renderReportMarkdown, summarizeAuditRecords, REPORT_VERSION } from "./report/index.js";
export type { SecurityReport, ReportInput, Control, ControlId, Statement, AuditEvidence } from "./report/index.js";
