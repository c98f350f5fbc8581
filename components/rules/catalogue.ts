import type { Rule } from "./types.js";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The rule catalogue as a markdown table (id, severity, what, fix, reference). docs/rules.md holds
 * this table between `<!-- rules:begin -->` and `<!-- rules:end -->`; a test keeps them equal.
 */
export function renderRuleTable(list: readonly Rule[]): string {
  const rows = list.map((r) => `| \`${r.id}\` | ${r.severity} | ${cell(r.description)} | ${cell(r.fix ?? "")} | ${cell(r.reference)} |`);
  return ["| id | severity | what it requires | fix | reference |", "|---|---|---|---|---|", ...rows].join("\n");
}
