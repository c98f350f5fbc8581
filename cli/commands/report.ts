import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Command } from "../io.js";
import { UsageError } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { writeOutputFile } from "../output.js";
import { colorEnabled, formatIssues, paint } from "../format.js";
import { loadPlanForCommand } from "../plan-loader.js";
import { buildSecurityReport, renderReportMarkdown, summarizeAuditRecords } from "../../components/report/index.js";
import type { CapabilityReport } from "../../components/targets/capabilities.js";
import { OKTA_CAPABILITIES } from "../../components/targets/okta/capabilities.js";
import { AUTH0_CAPABILITIES } from "../../components/targets/auth0/capabilities.js";
import { ENTRA_CAPABILITIES } from "../../components/targets/entra/capabilities.js";
import { awsCapabilityReport } from "../../components/targets/aws/capabilities.js";
import { exportLines } from "../../lambda/audit-export.js";
import { verifyAuditChain } from "../../lambda/core/audit.js";

const help = `Usage: pulumi-mcp-auth report [file] --idp <okta|auth0|entra> [options]

Writes the document a security reviewer asks for, from the declaration (default: ./mcp-auth.ts) or
a plan .json: the scope taxonomy with sensitivity and operations, who can hold what (tier x group x
scope x server), lifetimes, consent and revocation per sensitivity, what the IdP enforces and what the
edge enforces instead, and a SOC 2 control mapping (CC6.1, CC6.2, CC6.3, CC7.2, CC7.3) whose every
statement cites the plan field or resource that makes it true. The same input gives the same output.

Options:
  --idp <name>             The IdP target: okta, auth0 or entra (its capability baseline).
  --capabilities <file>    Capability reports as JSON (a stack's 'capabilities' output): one report or
                           an array. Repeatable; replaces --idp's baseline for the targets it names.
  --edge <mode>            The edge's deploy mode: gateway (default), authorizer, or none.
  --audit <file>           An audit export (JSON lines, a CloudWatch Logs export or S3 archive objects,
                           as for 'audit verify'): summarized and chain-verified.
  --partial                The --audit export is a time window (as 'audit verify --partial'):
                           chains may start mid-way, and that is not reported as a gap.
  --format <markdown|json> Output format (default: markdown).
  --out <path>             Write to this file instead of stdout (directories are created).
  --fail-on <gap|none>     Exit 1 when a control statement is a gap (default: none).
  -h, --help               Show this help.

Exit codes:
  0  report written (and no gap, with --fail-on gap)
  1  --fail-on gap and at least one control statement is a gap
  2  invalid declaration, unreadable input, an --out that cannot be written, or bad arguments
`;

const CapabilitySchema = z.object({ id: z.string(), policy: z.string(), support: z.enum(["native", "edge", "partial", "unsupported"]), how: z.string() });
const CapabilityReportSchema = z.object({ target: z.enum(["okta", "auth0", "entra", "local", "aws"]), items: z.array(CapabilitySchema) });

const BASELINES: Record<string, CapabilityReport> = {
  okta: { target: "okta", items: OKTA_CAPABILITIES },
  auth0: AUTH0_CAPABILITIES,
  entra: { target: "entra", items: ENTRA_CAPABILITIES },
};

async function readInput(cwd: string, file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path.resolve(cwd, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`report: ${flag} '${file}': ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, expected a file" : (err as Error).message}`);
  }
}

async function capabilityReports(cwd: string, files: readonly string[]): Promise<CapabilityReport[]> {
  const out: CapabilityReport[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse((await readInput(cwd, file, "--capabilities")).toString("utf8"));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`report: --capabilities '${file}' is not JSON`);
    }
    const parsed = (Array.isArray(json) ? z.array(CapabilityReportSchema) : CapabilityReportSchema).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`report: --capabilities '${file}' is not a capability report: ${issue.path.join(".") || "(root)"}: ${issue.message} (expected {target, items: [{id, policy, support, how}]})`);
    }
    out.push(...(Array.isArray(parsed.data) ? parsed.data : [parsed.data]));
  }
  return out;
}

const report: Command = {
  name: "report",
  summary: "Write a security-review report with a SOC 2 control mapping (Markdown or JSON).",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("report", args, {
      idp: { type: "string" },
      capabilities: { type: "string", multiple: true },
      edge: { type: "string", default: "gateway" },
      audit: { type: "string" },
      partial: { type: "boolean", default: false },
      format: { type: "string", default: "markdown" },
      out: { type: "string" },
      "fail-on": { type: "string", default: "none" },
    });
    const { idp, edge, format } = values;
    const failOn = values["fail-on"];
    if (format !== "markdown" && format !== "json") throw new UsageError(`report: --format must be 'markdown' or 'json', got '${format}'`);
    if (failOn !== "gap" && failOn !== "none") throw new UsageError(`report: --fail-on must be 'gap' or 'none', got '${failOn}'`);
    if (edge !== "gateway" && edge !== "authorizer" && edge !== "none") throw new UsageError(`report: --edge must be 'gateway', 'authorizer' or 'none', got '${edge}'`);
    if (values.partial && values.audit === undefined) throw new UsageError("report: --partial describes the --audit export: give --audit <file> with it");
    if (idp !== undefined && !(idp in BASELINES)) throw new UsageError(`report: --idp must be one of ${Object.keys(BASELINES).join(", ")}, got '${idp}'`);
    const given = await capabilityReports(io.cwd, values.capabilities ?? []);
    if (idp === undefined && !given.some((r) => r.target !== "aws")) {
      throw new UsageError("report: name the IdP with --idp okta|auth0|entra (or pass its --capabilities), so the report can say what it enforces");
    }

    const loaded = await loadPlanForCommand(positionals[0], io.cwd);
    if (!loaded.ok) {
      io.stderr(formatIssues(loaded.file, loaded.issues, paint(colorEnabled(io))));
      return 2;
    }
    const capabilities: CapabilityReport[] = [];
    if (idp !== undefined && !given.some((r) => r.target === idp)) capabilities.push(BASELINES[idp]!);
    capabilities.push(...given);
    if (edge !== "none" && !given.some((r) => r.target === "aws")) capabilities.push(awsCapabilityReport(edge));

    let audit;
    if (values.audit !== undefined) {
      // The export as downloaded, read as `audit verify` reads it (JSON lines, a CloudWatch Logs
      // export, the S3 archive's envelopes, gzip or not): records only, deduplicated, in chain order.
      const { lines } = exportLines(await readInput(io.cwd, values.audit, "--audit"), "records");
      // A time window of a longer log starts its chains mid-way (docs/edge.md, `allowPartial`).
      audit = summarizeAuditRecords(lines, verifyAuditChain(lines, values.partial ? { allowPartial: true } : {}), { partial: values.partial === true });
    }
    const built = buildSecurityReport({ plan: loaded.plan, capabilities, ...(audit ? { audit } : {}) });
    const text = format === "json" ? `${JSON.stringify(built, null, 2)}\n` : renderReportMarkdown(built);
    if (values.out === undefined) io.stdout(text);
    else {
      await writeOutputFile(`report: --out ${values.out}`, io.cwd, values.out, text);
      io.stderr(`Wrote ${values.out}: ${built.controls.length} controls, ${built.gaps.length} gap${built.gaps.length === 1 ? "" : "s"}\n`);
    }
    return failOn === "gap" && built.gaps.length > 0 ? 1 : 0;
  },
};

export default report;
