import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyAuditChain } from "./core/audit.js";

/**
 * Audit chain verifier: `npx tsx lambda/verify-audit.ts <file|-> [--partial]`. Reads audit lines
 * (non-record lines such as operator logs are reported as `not_a_record` unless filtered first),
 * prints a JSON summary, exits 1 when a chain has a gap, a reordering or an edited record.
 */
export function verifyAuditText(text: string, allowPartial = false) {
  return verifyAuditChain(text.split("\n").filter((l) => l.trim().length > 0), { allowPartial });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("usage: verify-audit <file|-> [--partial]\n");
    process.exit(2);
  }
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const result = verifyAuditText(text, args.includes("--partial"));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.ok ? 0 : 1);
}
