import type { ChangeCategory, ChangeKind, DiffChange, PlanDiff, ReachChange } from "./types.js";

/** Hidden marker on the first line: the GitHub workflow finds and updates its one comment by it. */
export const DIFF_COMMENT_MARKER = "<!-- pulumi-mcp-auth:diff -->";

/** Options of `renderDiffMarkdown`. */
export interface MarkdownOptions {
  /** Rows shown before the rest of a table is folded into `<details>`. Default 10. */
  readonly foldAfter?: number;
  /** Rows per table at most; the rest is counted and left to the JSON report. Default 200. */
  readonly maxRowsPerTable?: number;
  /**
   * Maximum length in characters. GitHub rejects comments over 65,536 characters; when the report is
   * longer, tables are cut shorter until it fits. Default 60,000.
   */
  readonly maxLength?: number;
  /** Items per list cell (tools, servers, …) before "+N more". Default 6. */
  readonly maxListItems?: number;
}

const KIND_LABELS: Readonly<Record<ChangeKind, string>> = {
  "scope-added": "New scope",
  "scope-removed": "Scope removed",
  "sensitivity-lowered": "Sensitivity lowered",
  "sensitivity-raised": "Sensitivity raised",
  "scope-description-changed": "Scope description changed",
  "scope-display-name-changed": "Scope label changed",
  "implication-added": "New implication",
  "implication-removed": "Implication removed",
  "tier-gained-scope": "Tier may hold scope",
  "tier-lost-scope": "Tier may no longer hold scope",
  "group-gained-scope": "Group granted scope",
  "group-lost-scope": "Group no longer granted scope",
  "group-remapped": "Group mapped to another IdP group",
  "consent-relaxed": "Consent relaxed",
  "consent-tightened": "Consent tightened",
  "lifetime-longer": "Longer lifetime",
  "lifetime-shorter": "Shorter lifetime",
  "revocation-weakened": "Immediate revocation dropped",
  "revocation-strengthened": "Immediate revocation added",
  "operation-fewer-scopes": "Operation needs fewer scopes",
  "operation-more-scopes": "Operation needs more scopes",
  "operation-added": "New operation",
  "operation-removed": "Operation removed",
  "operation-description-changed": "Operation description changed",
  "registration-enabled": "Run-time registration enabled",
  "registration-disabled": "Run-time registration disabled",
  "client-added": "New client",
  "client-removed": "Client removed",
  "redirect-uri-added": "New redirect URI",
  "redirect-uri-removed": "Redirect URI removed",
  "allowed-domain-added": "New CIMD domain",
  "allowed-domain-removed": "CIMD domain removed",
  "tier-weakened": "Tier weakened",
  "tier-strengthened": "Tier strengthened",
  "tier-changed": "Tier changed",
  "server-added": "New server",
  "server-removed": "Server removed",
  "server-changed": "Server changed",
  "origin-added": "New browser origin",
  "origin-removed": "Browser origin removed",
  "enforcement-relaxed": "Observe mode on",
  "enforcement-restored": "Enforcement restored",
  "tier-added": "New tier",
  "tier-removed": "Tier removed",
  "group-added": "New group",
  "group-removed": "Group removed",
  "plan-changed": "Plan setting changed",
};

const RISK_ICONS: Readonly<Record<PlanDiff["risk"], string>> = { critical: "🔴", high: "🟠", moderate: "🟡", low: "🟢", none: "⚪" };

const CATEGORY_TITLES: Readonly<Record<ChangeCategory, string>> = {
  escalation: "⚠️ Escalations",
  reduction: "✅ Reductions",
  neutral: "Neutral changes",
};

/**
 * Escapes text from declarations for a GitHub table cell: no HTML, no Markdown links or emphasis, no
 * line breaks and no `|` that would end the cell. Declarations come from pull-request authors, so a
 * description must not be able to hide rows, inject links or close the comment's markup.
 */
export function escapeCell(text: string): string {
  return text
    .replace(/\r?\n|\r/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|!#~])/g, "\\$1");
}

/**
 * Longest declaration text shown in one table cell, characters. Declaration texts are unbounded; the
 * cap (with the row halving below) keeps the comment under `maxLength`. The JSON report keeps them whole.
 */
export const MAX_CELL_TEXT = 300;

/** `text` cut to {@link MAX_CELL_TEXT} characters (whole code points) with a trailing `…`. */
function clip(text: string): string {
  if (text.length <= MAX_CELL_TEXT) return text;
  return `${[...text].slice(0, MAX_CELL_TEXT - 1).join("")}…`;
}

/** An identifier in a code span (backticks inside are replaced, `|` escaped for tables). */
function code(text: string): string {
  return `\`${clip(text).replace(/`/g, "'").replace(/\r?\n|\r/g, " ").replace(/\|/g, "\\|")}\``;
}

function codeList(xs: readonly string[], max: number): string {
  if (!xs.length) return "";
  const shown = xs.slice(0, max).map(code).join(", ");
  return xs.length > max ? `${shown} +${xs.length - max} more` : shown;
}

function table(headers: readonly string[], rows: readonly string[][], o: Required<MarkdownOptions>): string {
  const head = `| ${headers.join(" | ")} |\n|${headers.map(() => " --- ").join("|")}|\n`;
  const line = (r: string[]) => `| ${r.join(" | ")} |\n`;
  const kept = rows.slice(0, o.maxRowsPerTable);
  const visible = kept.slice(0, o.foldAfter);
  const folded = kept.slice(o.foldAfter);
  let out = visible.length ? head + visible.map(line).join("") : "";
  if (folded.length) {
    out += `${visible.length ? "\n" : ""}<details><summary>${visible.length ? `${folded.length} more` : `Show ${folded.length}`}</summary>\n\n${head}${folded.map(line).join("")}\n</details>\n`;
  }
  if (rows.length > kept.length) out += `\n_…and ${rows.length - kept.length} more rows; see the JSON report (\`--format json\`)._\n`;
  return out;
}

function changeRows(changes: readonly DiffChange[], o: Required<MarkdownOptions>): string[][] {
  return changes.map((c) => {
    const what = [escapeCell(clip(c.summary))];
    if (c.before !== undefined || c.after !== undefined) what.push(`${code(c.before ?? "(none)")} → ${code(c.after ?? "(none)")}`);
    const who = [...c.tiers.map((t) => `tier ${t}`), ...c.groups.map((g) => `group ${g}`)];
    return [KIND_LABELS[c.kind], code(c.subject), what.join("<br>"), c.severity ?? "", codeList(c.servers, o.maxListItems), codeList(who, o.maxListItems), codeList(c.tools, o.maxListItems)];
  });
}

function reachRows(reach: readonly ReachChange[], o: Required<MarkdownOptions>): string[][] {
  return reach.map((r) => [`${r.principal.type} ${code(r.principal.name)}`, code(r.server), `${r.operationKind} ${code(r.operation)}`, codeList(r.scopes, o.maxListItems), r.sensitivity]);
}

const CHANGE_HEADERS = ["Change", "Subject", "What", "Severity", "Servers", "Tiers / groups", "Tools"];
const REACH_HEADERS = ["Tier / group", "Server", "Operation", "Needs", "Sensitivity"];

function render(diff: PlanDiff, o: Required<MarkdownOptions>): string {
  const parts: string[] = [DIFF_COMMENT_MARKER, `## MCP authorization review: ${code(diff.head.name)}`, "", `${RISK_ICONS[diff.risk]} **${escapeCell(diff.summary)}**`, ""];
  parts.push(`Compared ${code(diff.base.label)} (before) with ${code(diff.head.label)} (after).`, "");
  const c = diff.counts;
  parts.push(
    table(
      ["Escalations", "Reductions", "Neutral", "Newly reachable", "No longer reachable", "Semantic changes"],
      [[c.escalation, c.reduction, c.neutral, c.newlyReachable, c.noLongerReachable, c.semantic].map(String)],
      o,
    ),
  );
  const section = (title: string, body: string) => parts.push(`### ${title}`, "", body);
  const byCategory = (cat: ChangeCategory) => diff.changes.filter((x) => x.category === cat);

  const esc = byCategory("escalation");
  if (esc.length) section(`${CATEGORY_TITLES.escalation} (${esc.length})`, table(CHANGE_HEADERS, changeRows(esc, o), o));
  if (diff.reach.added.length) {
    section(`🔓 Newly reachable operations (${diff.reach.added.length})`, table(REACH_HEADERS, reachRows(diff.reach.added, o), o));
  }
  if (diff.semanticChanges.length) {
    const rows = diff.semanticChanges.map((s) => [
      code(s.scope),
      s.changed.join(", "),
      codeList(s.operationsAdded, o.maxListItems),
      codeList(s.operationsRemoved, o.maxListItems),
      s.sensitivityBefore ? `${s.sensitivityBefore} → ${s.sensitivityAfter}` : "",
    ]);
    section(
      `📝 Scopes that changed meaning without a new name (${rows.length})`,
      "Holders consented to the old meaning. Prefer a new, versioned scope name and a migration.\n\n" +
        table(["Scope", "Changed", "Operations added", "Operations removed", "Sensitivity"], rows, o),
    );
  }
  const red = byCategory("reduction");
  if (red.length) section(`${CATEGORY_TITLES.reduction} (${red.length})`, table(CHANGE_HEADERS, changeRows(red, o), o));
  const neu = byCategory("neutral");
  if (neu.length) section(`${CATEGORY_TITLES.neutral} (${neu.length})`, table(CHANGE_HEADERS, changeRows(neu, o), o));
  if (diff.reach.removed.length) {
    const body = table(REACH_HEADERS, reachRows(diff.reach.removed, o), { ...o, foldAfter: 0 });
    section(`No longer reachable operations (${diff.reach.removed.length})`, body);
  }
  parts.push("<sub>Generated by `pulumi-mcp-auth diff`.</sub>", "");
  return parts.join("\n");
}

/**
 * Renders a diff as GitHub-flavoured Markdown for a pull-request comment or job summary: the hidden
 * marker, the one-line risk summary, counts, then one table per category (escalations first, with the
 * newly reachable operations and semantic changes right after them). Long tables fold into
 * `<details>`; the order is the diff's stable order, so re-runs do not reshuffle the comment.
 */
export function renderDiffMarkdown(diff: PlanDiff, options: MarkdownOptions = {}): string {
  const o: Required<MarkdownOptions> = {
    foldAfter: options.foldAfter ?? 10,
    maxRowsPerTable: options.maxRowsPerTable ?? 200,
    maxLength: options.maxLength ?? 60_000,
    maxListItems: options.maxListItems ?? 6,
  };
  let out = render(diff, o);
  // Cut tables shorter until the comment fits GitHub's limit.
  let rows = o.maxRowsPerTable;
  while (out.length > o.maxLength && rows > 1) {
    rows = Math.max(1, Math.floor(rows / 2));
    out = render(diff, { ...o, maxRowsPerTable: rows, foldAfter: Math.min(o.foldAfter, rows) });
  }
  return out;
}
