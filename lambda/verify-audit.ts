import { readFileSync } from "node:fs";
import { createPublicKey, type KeyObject } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyAuditChain, type VerifyResult } from "./core/audit.js";

/**
 * Audit chain verifier: `npx tsx lambda/verify-audit.ts <records|-> [--checkpoints <file>] [--key <public key>]… [--partial]`
 * (the CLI's `pulumi-mcp-auth audit verify` is the same check). Reads audit lines (non-record lines
 * such as operator logs are reported as `not_a_record` unless filtered first), prints a JSON
 * summary, exits 1 when the chain or its checkpoints show an edit, a gap, a truncation, a missing
 * chain or checkpoint, or a bad signature.
 */
export function verifyAuditText(text: string, opts: { allowPartial?: boolean; checkpoints?: string; keys?: readonly KeyObject[] } | boolean = {}): VerifyResult {
  const o = typeof opts === "boolean" ? { allowPartial: opts } : opts;
  return verifyAuditChain(lines(text), {
    ...(o.allowPartial ? { allowPartial: true } : {}),
    ...(o.checkpoints !== undefined ? { checkpoints: lines(o.checkpoints) } : {}),
    ...(o.keys ? { keys: o.keys } : {}),
  });
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim().length > 0);
}

/**
 * A checkpoint public key from a file's text: PEM (SPKI, as `<key>.pub.pem` or `openssl ec -pubout`
 * writes it), DER SubjectPublicKeyInfo (what KMS `GetPublicKey` returns), or a JWK (JSON).
 * @throws Error naming what was expected.
 */
export function readPublicKey(data: Buffer): KeyObject {
  const text = data.toString("utf8").trim();
  let key: KeyObject;
  try {
    if (text.startsWith("-----BEGIN")) key = createPublicKey(text);
    else if (text.startsWith("{")) key = createPublicKey({ key: JSON.parse(text) as import("node:crypto").JsonWebKey, format: "jwk" });
    else key = createPublicKey({ key: data, format: "der", type: "spki" });
  } catch {
    throw new Error("expected an EC P-256 public key as PEM, DER (SPKI, e.g. from `aws kms get-public-key`) or JWK");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("expected an EC P-256 public key (checkpoints are signed with ECDSA P-256 SHA-256)");
  return key;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const valueOf = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]!] : []));
  const flagValues = new Set([...valueOf("--checkpoints"), ...valueOf("--key")]);
  const file = args.find((a) => !a.startsWith("--") && !flagValues.has(a));
  if (!file) {
    process.stderr.write("usage: verify-audit <records|-> [--checkpoints <file>] [--key <public key>]… [--partial]\n");
    process.exit(2);
  }
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const cp = valueOf("--checkpoints")[0];
  const keys = valueOf("--key").map((k) => readPublicKey(readFileSync(k)));
  const result = verifyAuditText(text, { allowPartial: args.includes("--partial"), ...(cp ? { checkpoints: readFileSync(cp, "utf8") } : {}), ...(keys.length ? { keys } : {}) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.ok ? 0 : 1);
}
