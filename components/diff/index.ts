// The PR scope-change review: plan × plan → classified changes, rendered as Markdown or JSON.
export { diffPlans, compareChanges } from "./diff.js";
export type { DiffLabels } from "./diff.js";
export { renderDiffMarkdown, escapeCell, DIFF_COMMENT_MARKER } from "./markdown.js";
export type { MarkdownOptions } from "./markdown.js";
export { renderDiffJson, DIFF_JSON_VERSION } from "./json.js";
export type { DiffJsonReport } from "./json.js";
export { diffReach, compareReach } from "./reach.js";
export { CHANGE_CATEGORIES, CHANGE_KINDS } from "./types.js";
export type { ChangeCategory, ChangeKind, DiffChange, PlanDiff, Principal, ReachChange, SemanticChange, RiskLevel } from "./types.js";
