import { readFileSync } from "node:fs";
import path from "node:path";
import type { KeyObject } from "node:crypto";
import type { Command } from "../io.js";
import { UsageError } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { exportLines } from "../../lambda/audit-export.js";
import { verifyAuditChain, type VerifyResult } from "../../lambda/core/audit.js";
import { readPublicKey } from "../../lambda/verify-audit.js";

/** Version of the `audit verify --format json` document. */
export const AUDIT_VERIFY_JSON_VERSION = 1;

const help = `Usage: pulumi-mcp-auth audit verify <export> [--checkpoints <file>] [--key <public key>]... [--partial] [--format text|json]

Checks a downloaded audit export against the edge's hash chain and, with --checkpoints, against
its signed checkpoints: reports edited records, gaps, truncated chains, chains removed whole,
removed checkpoints and bad signatures.

<export> and --checkpoints accept JSON lines (a local edge's audit lines and checkpoint file), a CloudWatch
Logs export, or objects of the S3 audit archive (CloudWatch Logs subscription envelopes, gzip or
not); use '-' for standard input. Duplicates are dropped and records put in chain order.

Options:
  --checkpoints <file>  The checkpoint log (local: the file given to fileCheckpoints; AWS: the archive's
                        checkpoints/ objects or an export of the checkpoint log group).
  --key <file>          Public key the checkpoints are signed with (PEM, DER SubjectPublicKeyInfo
                        as 'aws kms get-public-key' returns it, or JWK); repeatable.
  --partial             The export is a time window: accept chains that start mid-way, and do not
                        require every registered chain or the records up to the last checkpoint.
  --format <text|json>  Output format (default: text).
  -h, --help            Show this help.

Without --checkpoints only the hash chain is checked: someone who rewrote the whole log would not
be detected. Without --key the checkpoints' signatures are not checked.

Exit codes:
  0  intact: no problem found
  1  problems found (each is printed with 'records' or 'checkpoints' and its position there in
     chain order, its chain and sequence number)
  2  bad arguments, or an unreadable file or key
`;

function read(file: string, cwd: string): Buffer {
  try {
    return file === "-" ? readFileSync(0) : readFileSync(path.resolve(cwd, file));
  } catch (e) {
    throw new UsageError(`audit verify: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function text(r: VerifyResult, skipped: number, opts: { checkpoints: boolean }): string {
  const out: string[] = [];
  out.push(`${r.ok ? "intact" : "PROBLEMS FOUND"}: ${r.records} records in ${r.chains} chain(s), ${r.checkpoints} checkpoint(s)${skipped ? `; ${skipped} other line(s) skipped` : ""}`);
  if (!opts.checkpoints) out.push("warning: no --checkpoints: only the hash chain was checked (a log rewritten whole would pass)");
  else if (!r.signaturesChecked) out.push("warning: no --key: checkpoint signatures were not checked");
  for (const p of r.problems) {
    const where = p.line > 0 ? `${p.file ?? "records"}:${p.line}` : (p.file ?? "records");
    out.push(`  ${p.problem.padEnd(18)} ${where}${p.chain ? ` chain ${p.chain}` : ""}${p.seq !== undefined ? ` seq ${p.seq}` : ""}`);
  }
  for (const u of r.unsealed) out.push(`  unsealed           chain ${u.chain} seq ${u.from}..${u.to} (after the last checkpoint: a cut there is not detectable)`);
  return `${out.join("\n")}\n`;
}

const audit: Command = {
  name: "audit",
  summary: "Verify a downloaded audit export against its chain and signed checkpoints.",
  help,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== "verify") throw new UsageError(sub === undefined ? "audit: missing subcommand; use 'audit verify <export>'" : `audit: unknown subcommand '${sub}'; use 'audit verify <export>'`);
    const { values, positionals } = parseCommandArgs("audit verify", rest, {
      checkpoints: { type: "string" },
      key: { type: "string", multiple: true },
      partial: { type: "boolean", default: false },
      format: { type: "string", default: "text" },
    });
    const format = values.format;
    if (format !== "text" && format !== "json") throw new UsageError(`audit verify: --format must be 'text' or 'json', got '${format}'`);
    const file = positionals[0];
    if (!file) throw new UsageError("audit verify: missing <export> (a file, or '-' for standard input)");
    if (values.key?.length && !values.checkpoints) throw new UsageError("audit verify: --key needs --checkpoints (the key checks the checkpoints' signatures)");
    const records = exportLines(read(file, io.cwd), "records");
    const cps = values.checkpoints ? exportLines(read(values.checkpoints, io.cwd), "checkpoints") : undefined;
    const keys: KeyObject[] = (values.key ?? []).map((k) => {
      try {
        return readPublicKey(read(k, io.cwd));
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`audit verify: --key ${k}: ${(e as Error).message}`);
      }
    });
    const result = verifyAuditChain(records.lines, {
      ...(values.partial ? { allowPartial: true } : {}),
      ...(cps ? { checkpoints: cps.lines } : {}),
      ...(keys.length ? { keys } : {}),
    });
    if (format === "json") io.stdout(`${JSON.stringify({ version: AUDIT_VERIFY_JSON_VERSION, ...result, skipped: records.skipped }, null, 2)}\n`);
    else io.stdout(text(result, records.skipped, { checkpoints: cps !== undefined }));
    return result.ok ? 0 : 1;
  },
};

export default audit;
