import type { PlanDiff } from "./types.js";

/** Version of the JSON report's shape; bumped on any incompatible change. */
export const DIFF_JSON_VERSION = 1 as const;

/** The JSON report: the diff itself plus its format version. */
export type DiffJsonReport = { readonly diffFormatVersion: typeof DIFF_JSON_VERSION } & PlanDiff;

/**
 * Renders a diff as JSON for other tools: `{ diffFormatVersion, base, head, risk, summary, counts,
 * changes, reach, semanticChanges }`, 2-space indented with a final newline. Key and array order are
 * stable, so the output of re-runs on the same inputs is byte-identical.
 */
export function renderDiffJson(diff: PlanDiff): string {
  const report: DiffJsonReport = { diffFormatVersion: DIFF_JSON_VERSION, ...diff };
  return `${JSON.stringify(report, null, 2)}\n`;
}
