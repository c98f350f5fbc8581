/** The security-review report (`pulumi-mcp-auth report`). */
export { buildSecurityReport } from "./build.js";
export type { ReportInput } from "./build.js";
export { renderReportMarkdown } from "./markdown.js";
export { summarizeAuditRecords } from "./audit-summary.js";
export type { ChainVerdict } from "./audit-summary.js";
export { soc2Controls } from "./soc2.js";
export { REPORT_VERSION } from "./types.js";
export type { SecurityReport, TaxonomyRow, HoldingRow, LifetimeRow, EnforcementRow, Control, ControlId, Statement, AuditEvidence } from "./types.js";
