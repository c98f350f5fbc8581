import type { Command } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { writeOutputFile } from "../output.js";
import { colorEnabled, count, formatIssues, paint } from "../format.js";
import { loadPlanForCommand } from "../plan-loader.js";
import { serializePlan } from "../../components/plan/compile.js";

const help = `Usage: pulumi-mcp-auth plan [file] [--out <path>]

Compiles an MCP auth declaration (default: ./mcp-auth.ts) into the plan: deterministic,
versioned JSON that every target, the edge and 'diff' read. The same declaration always
gives byte-identical output. Guardrail rules are not run; use 'check' for that.

Options:
  --out <path>  Write the plan to this file instead of stdout (directories are created).
  -h, --help    Show this help.

Exit codes:
  0  plan written
  2  invalid declaration (every problem is printed with its path), a plan JSON whose derived
     fields disagree with what its declared part compiles to, an unreadable file, an --out
     that cannot be written, or bad arguments
`;

const plan: Command = {
  name: "plan",
  summary: "Compile a declaration into the plan JSON (stdout or --out).",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("plan", args, { out: { type: "string" } });
    const loaded = await loadPlanForCommand(positionals[0], io.cwd);
    if (!loaded.ok) {
      io.stderr(formatIssues(loaded.file, loaded.issues, paint(colorEnabled(io))));
      return 2;
    }
    const text = serializePlan(loaded.plan);
    if (values.out === undefined) {
      io.stdout(text);
      return 0;
    }
    await writeOutputFile(`plan: --out ${values.out}`, io.cwd, values.out, text);
    const pl = loaded.plan;
    io.stderr(`Wrote ${values.out}: plan '${pl.name}' (${count(pl.servers.length, "server")}, ${count(pl.scopes.length, "scope")}, ${count(pl.tiers.length, "tier")})\n`);
    return 0;
  },
};

export default plan;
