import type { CliIO } from "./io.js";
import type { DeclarationIssue } from "../components/model/validate.js";
import type { Finding } from "../components/rules/types.js";

/** `CliIO` plus whether stdout is a terminal; `main.ts` fills it, tests may omit it (no colour). */
export interface CliIOWithTty extends CliIO {
  readonly stdoutIsTTY?: boolean;
}

/** Colour only when stdout is a terminal and `NO_COLOR` is unset (https://no-color.org). */
export function colorEnabled(io: CliIO): boolean {
  const env = io.env.NO_COLOR;
  return (io as CliIOWithTty).stdoutIsTTY === true && (env === undefined || env === "");
}

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

/** ANSI styles, or identity functions when colour is off. */
export function paint(enabled: boolean): Paint {
  if (!enabled) {
    const id = (s: string) => s;
    return { red: id, yellow: id, green: id, dim: id, bold: id };
  }
  return { red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

/** `1 error`, `2 warnings`. */
export const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Every declaration problem, one per line, path first. */
export function formatIssues(file: string, issues: readonly DeclarationIssue[], p: Paint): string {
  // A problem with the file itself (missing, a directory, no default export, no git): one line.
  if (issues.length === 1 && !issues[0]!.path) return `${p.red("✖")} ${file}: ${issues[0]!.message}\n`;
  const width = Math.min(60, Math.max(6, ...issues.map((i) => (i.path || "(root)").length)));
  const lines = issues.map((i) => `  ${p.bold((i.path || "(root)").padEnd(width))}  ${i.message}`);
  return `${p.red("✖")} ${file}: the declaration is invalid (${count(issues.length, "problem")})\n${lines.join("\n")}\n`;
}

/** Findings grouped by target (`scope crm:customers:export`), groups in first-appearance order. */
export function formatFindings(findings: readonly Finding[], p: Paint): string {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.target.kind} ${f.target.name}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  const keys = [...groups.keys()].sort();
  const out: string[] = [];
  for (const key of keys) {
    out.push(p.bold(key));
    for (const f of groups.get(key)!) {
      const sev = f.severity === "error" ? p.red("error  ") : p.yellow("warning");
      out.push(`  ${sev} ${f.message} ${p.dim(f.ruleId)}`);
      out.push(`          ${p.dim("fix:")} ${f.fix}`);
      out.push(`          ${p.dim("ref:")} ${f.reference}`);
    }
    out.push("");
  }
  return out.join("\n");
}
