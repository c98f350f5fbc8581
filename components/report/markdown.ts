import type { SecurityReport } from "./types.js";

/** Escapes a table cell: pipes and newlines would break the row. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const list = (xs: readonly string[]): string => (xs.length === 0 ? "—" : xs.map((x) => `\`${x}\``).join(", "));
const SUPPORT: Record<string, string> = { native: "native", edge: "edge enforces", partial: "partial", unsupported: "not supported" };

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

/** Renders the report as a Markdown document for a security reviewer. Deterministic. */
export function renderReportMarkdown(r: SecurityReport): string {
  const out: string[] = [];
  out.push(`# Authorization report: ${r.plan}`, "");
  out.push(
    r.gaps.length === 0
      ? "Every control statement below is met by the plan and the targets it was checked against."
      : `${r.gaps.length} control statement${r.gaps.length === 1 ? " is" : "s are"} not met (marked **gap** below).`,
    "",
  );

  out.push("## Scope taxonomy", "");
  out.push(table(["scope", "sensitivity", "description", "also grants", "operations"], r.taxonomy.map((t) => [`\`${t.scope}\``, t.sensitivity, t.description, list(t.implies), list(t.operations)])), "");

  out.push("## Who can hold what", "", "Per MCP server and scope: the client tiers that may hold it, and the IdP groups whose members may be granted it.", "");
  out.push(table(["server", "scope", "sensitivity", "tiers", "groups"], r.holdings.map((h) => [h.server, `\`${h.scope}\``, h.sensitivity, list(h.tiers), h.groups === null ? "any user (no groups declared)" : list(h.groups)])), "");

  out.push("## Lifetimes, consent and revocation per sensitivity", "");
  out.push(
    table(
      ["sensitivity", "access token (policy)", "longest effective", "consent", "re-consent", "at install", "immediate revocation", "longest refresh token"],
      r.lifetimes.map((l) => [l.sensitivity, `${l.accessTokenMinutes} min`, `${l.longestEffectiveMinutes} min`, l.consent, l.reconsentDays === null ? "—" : `${l.reconsentDays} days`, l.atInstall ? "yes" : "no (step-up)", l.immediateRevocation ? "yes" : "no", l.longestRefreshDays === 0 ? "none" : `${l.longestRefreshDays} days`]),
    ),
    "",
  );

  if (r.enforcement.length > 0) {
    const targets = [...new Set(r.enforcement.flatMap((e) => Object.keys(e.targets)))];
    out.push("## What each target enforces", "", "Where the IdP cannot enforce a policy, the edge (or the authorization front) does, or the gap is named.", "");
    out.push(table(["policy", ...targets], r.enforcement.map((e) => [e.policy, ...targets.map((t) => (e.targets[t] ? `${SUPPORT[e.targets[t].support]}: ${e.targets[t].how}` : "—"))])), "");
  }

  out.push("## SOC 2 control mapping", "");
  for (const c of r.controls) {
    out.push(`### ${c.id} — ${c.title}`, "");
    for (const s of c.statements) out.push(`- ${s.status === "gap" ? "**gap** — " : ""}${s.text} _Evidence: ${s.evidence.map((e) => `\`${e}\``).join(", ")}._`);
    out.push("");
  }

  if (r.audit) {
    const a = r.audit;
    out.push("## Audit evidence", "");
    const verdict = a.records === 0 ? "**none** (the export holds no audit record)" : a.verified ? "ok" : `**failed** (${a.problems.length} problems)`;
    out.push(`- ${a.records} records in ${a.chains} chains${a.from ? `, ${a.from} to ${a.to}` : ""}; chain verification: ${verdict}${a.partial ? " (a time window: chains may start mid-way, so what came before it is not covered)" : ""}.`);
    out.push(`- Decisions: ${a.decisions.allow} allowed, ${a.decisions.deny} denied.`);
    if (a.denialsByReason.length > 0) out.push(`- Denials by reason: ${a.denialsByReason.map((d) => `${d.reason} ${d.count}`).join(", ")}.`);
    if (a.wouldDeny.length > 0) out.push(`- Observe mode, would have been denied: ${a.wouldDeny.map((w) => `${w.server}/${w.reason} ${w.count}`).join(", ")}.`);
    if (!a.verified) for (const p of a.problems.slice(0, 20)) out.push(`  - ${p}`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
