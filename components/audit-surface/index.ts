/** The customer-admin audit surface: a read-only page and JSON API over the audit records. */
export { createAuditSurface } from "./server.js";
export type { AuditSurface, AuditSurfaceOptions } from "./server.js";
export { fileAuditSource } from "./file-source.js";
export type { FileSourceOptions } from "./file-source.js";
export { cloudWatchAuditSource, insightsFilter, insightsString } from "./cloudwatch-source.js";
export type { CloudWatchSourceOptions } from "./cloudwatch-source.js";
export type { AuditSource, RecordPage, VerifiedRecord, Verification } from "./source.js";
export { RecordFilterSchema, parseFilter, toCsv, CSV_COLUMNS } from "./records.js";
export type { RecordFilter, SurfaceRecord } from "./records.js";
export type { SignInOptions, Principal } from "./session.js";
