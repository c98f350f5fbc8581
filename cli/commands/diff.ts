import { UsageError, type Command, type CliIO } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { writeOutputFile } from "../output.js";
import { colorEnabled, formatIssues, paint } from "../format.js";
import { loadSource, parseSource, sourceLabel, type DiffSource } from "../diff-sources.js";
import { DEFAULT_DECLARATION_FILE } from "../load.js";
import { DeclarationError } from "../../components/model/validate.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";
import { diffPlans } from "../../components/diff/diff.js";
import { renderDiffMarkdown } from "../../components/diff/markdown.js";
import { renderDiffJson } from "../../components/diff/json.js";
import type { PlanDiff } from "../../components/diff/types.js";

const FORMATS = ["markdown", "json"] as const;
const FAIL_ON = ["escalation", "any", "never"] as const;
type FailOn = (typeof FAIL_ON)[number];

const help = `Usage: pulumi-mcp-auth diff <base> <head> [options]
       pulumi-mcp-auth diff --base <git-ref> [--head <git-ref>] [file] [options]

Reviews a change to MCP authorization: what an agent could do after the merge that it could not
do before. Each side is a plan JSON ('pulumi-mcp-auth plan'), a declaration file, or
<git-ref>:<path> (e.g. origin/main:stacks/crm/mcp-auth.ts). With --base, the declaration
[file] (default ./${DEFAULT_DECLARATION_FILE}) at that ref is compared with the working tree (or
with --head); nothing is checked out: the tree at the ref is copied to a temporary directory.

Changes are classified as escalations, reductions or neutral, each with the servers, tools,
tiers and groups affected, plus the operations newly reachable by each tier and group and the
scopes whose meaning changed without a new name.

Options:
  --base <git-ref>     Compare [file] at this ref (e.g. origin/main)...
  --head <git-ref>     ...with [file] at this ref instead of the working tree.
  --format <format>    markdown (default; for a PR comment or job summary) or json.
  --fail-on <what>     escalation (default), any (any change), or never.
  --out <path>         Write the report to this file instead of stdout.
  -h, --help           Show this help.

Exit codes:
  0  no change matching --fail-on
  1  at least one change matching --fail-on (escalation: any escalation; any: any change,
     including a newly or no longer reachable operation)
  2  invalid input: bad arguments, unreadable or invalid declaration/plan, unknown git ref,
     an --out that cannot be written
`;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`diff: --${flag} must be one of ${allowed.join(", ")}; got '${value}'`);
  return value as T;
}

/** Works out both sides from the arguments. @throws UsageError */
function sides(positionals: readonly string[], base: string | undefined, head: string | undefined, cwd: string): [DiffSource, DiffSource] {
  const parse = (spec: string) => {
    try {
      return parseSource(spec, cwd);
    } catch (err) {
      throw new UsageError(`diff: ${(err as Error).message}`);
    }
  };
  if (base === undefined) {
    if (head !== undefined) throw new UsageError("diff: --head needs --base");
    if (positionals.length !== 2) throw new UsageError("diff: give two sides (<base> <head>), or --base <git-ref> [file]");
    return [parse(positionals[0]!), parse(positionals[1]!)];
  }
  if (positionals.length > 1) throw new UsageError(`diff: with --base, give at most one file; got ${positionals.join(", ")}`);
  const file = positionals[0] ?? DEFAULT_DECLARATION_FILE;
  return [{ kind: "git", ref: base, path: file }, head === undefined ? parse(file) : { kind: "git", ref: head, path: file }];
}

/** Whether the diff fails the command under `--fail-on`. */
export function failsOn(diff: PlanDiff, failOn: FailOn): boolean {
  if (failOn === "never") return false;
  if (failOn === "escalation") return diff.counts.escalation > 0;
  return diff.changes.length > 0 || diff.reach.added.length > 0 || diff.reach.removed.length > 0 || diff.semanticChanges.length > 0;
}

async function load(side: "base" | "head", source: DiffSource, io: CliIO): Promise<McpAuthPlan | undefined> {
  const label = sourceLabel(source);
  try {
    return await loadSource(source, io.cwd);
  } catch (err) {
    const issues = err instanceof DeclarationError ? [...err.issues] : [{ path: "", message: (err as Error).message }];
    io.stderr(`diff: cannot read the ${side} side.\n${formatIssues(label, issues, paint(colorEnabled(io)))}`);
    return undefined;
  }
}

const diff: Command = {
  name: "diff",
  summary: "Review what agents could newly do between two plans or git refs (PR comment).",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      "diff",
      args,
      { base: { type: "string" }, head: { type: "string" }, format: { type: "string" }, "fail-on": { type: "string" }, out: { type: "string" } },
      2,
    );
    const format = oneOf("format", values.format, FORMATS, "markdown");
    const failOn = oneOf("fail-on", values["fail-on"], FAIL_ON, "escalation");
    const [baseSource, headSource] = sides(positionals, values.base, values.head, io.cwd);
    // One side after the other: loading a declaration at a ref writes a temporary tree.
    const base = await load("base", baseSource, io);
    const head = base && (await load("head", headSource, io));
    if (!base || !head) return 2;

    const result = diffPlans(base, head, { base: sourceLabel(baseSource), head: sourceLabel(headSource) });
    const text = format === "json" ? renderDiffJson(result) : renderDiffMarkdown(result);
    if (values.out === undefined) io.stdout(text);
    else {
      await writeOutputFile(`diff: --out ${values.out}`, io.cwd, values.out, text);
    }
    const fails = failsOn(result, failOn);
    io.stderr(`${result.summary}${fails ? ` Failing: --fail-on ${failOn}.` : ""}\n`);
    return fails ? 1 : 0;
  },
};

export default diff;
