import type { Command } from "../io.js";
import { UsageError } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { colorEnabled, count, formatFindings, formatIssues, paint } from "../format.js";
import { loadPlanForCommand } from "../plan-loader.js";
import { rules, runRules, summarizeFindings } from "../../components/rules/index.js";

/** Version of the `check --format json` document; bumped only on incompatible changes. */
export const CHECK_JSON_VERSION = 1;

const help = `Usage: pulumi-mcp-auth check [file] [--format text|json] [--rule <id>]...

Validates an MCP auth declaration (default: ./mcp-auth.ts, or a plan .json written by
'plan') and runs every guardrail rule over the compiled plan.

Options:
  --format <text|json>  Output format (default: text). JSON is documented in docs/cli.md.
  --rule <id>           Run only this rule (repeatable). Rules are listed in docs/rules.md.
  -h, --help            Show this help.

Exit codes:
  0  no error findings (warnings allowed)
  1  at least one error finding
  2  invalid declaration (every problem is printed with its path), a plan JSON whose derived
     fields disagree with what its declared part compiles to, or bad arguments
`;

const check: Command = {
  name: "check",
  summary: "Validate a declaration and run the guardrail rules (exit 1 on error findings).",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("check", args, {
      format: { type: "string", default: "text" },
      rule: { type: "string", multiple: true },
    });
    const format = values.format;
    if (format !== "text" && format !== "json") throw new UsageError(`check: --format must be 'text' or 'json', got '${format}'`);
    const only = values.rule ? [...new Set(values.rule)] : undefined;
    const unknown = (only ?? []).filter((id) => !rules.some((r) => r.id === id));
    if (unknown.length > 0) throw new UsageError(`check: unknown rule ${unknown.map((u) => `'${u}'`).join(", ")}; see docs/rules.md`);

    // A hand-edited plan JSON is refused here too (loadPlanForCommand re-derives it).
    const loaded = await loadPlanForCommand(positionals[0], io.cwd);
    const p = paint(format === "text" && colorEnabled(io));
    if (!loaded.ok) {
      if (format === "json") io.stdout(json({ version: CHECK_JSON_VERSION, file: loaded.file, valid: false, issues: loaded.issues }));
      else io.stderr(formatIssues(loaded.file, loaded.issues, p));
      return 2;
    }
    const { plan, file } = loaded;
    const findings = runRules(plan, only ? { only } : {});
    const summary = summarizeFindings(findings);
    const ruleCount = only ? only.length : rules.length;
    if (format === "json") {
      io.stdout(
        json({
          version: CHECK_JSON_VERSION,
          file,
          valid: true,
          plan: { name: plan.name, planVersion: plan.planVersion, servers: plan.servers.length, scopes: plan.scopes.length, tiers: plan.tiers.length },
          summary: { errors: summary.errors, warnings: summary.warnings, rules: ruleCount },
          findings,
        }),
      );
    } else {
      const what = `${plan.name} (${count(plan.servers.length, "server")}, ${count(plan.scopes.length, "scope")}, ${count(plan.tiers.length, "tier")}; ${count(ruleCount, "rule")})`;
      if (findings.length === 0) io.stdout(`${p.green("✔")} ${file}: ${what}: no findings\n`);
      else {
        const mark = summary.errors > 0 ? p.red("✖") : p.yellow("!");
        io.stdout(`${formatFindings(findings, p)}\n${mark} ${file}: ${what}: ${count(summary.errors, "error")}, ${count(summary.warnings, "warning")}\n`);
      }
    }
    return summary.errors > 0 ? 1 : 0;
  },
};

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export default check;
