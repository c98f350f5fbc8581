import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, serializePlan } from "../../components/index.js";
import { AuditChain } from "../../lambda/core/audit.js";
import { crmDeclaration } from "../diff/fixtures/cases.js";
import { runCli } from "../support/cli.js";

/**
 * docs/report.md: `--audit` takes an audit export as it is downloaded (the forms `audit verify`
 * reads), summarizes it and verifies its chain. An intact export must not be reported as a gap
 * because of how it was downloaded (order, timestamps, platform lines, duplicates, gzip).
 */

let dir: string;
const run = (args: string[]) => runCli(args, { cwd: dir });

function records(n: number): string[] {
  const lines: string[] = [];
  const chain = new AuditChain((line) => void lines.push(line), "chain-1");
  for (let i = 0; i < n; i++) chain.write({ server: "crm", decision: i % 2 === 0 ? "allow" : "deny", status: i % 2 === 0 ? 200 : 403, reason: i % 2 === 0 ? "ok" : "insufficient_scope" }, Date.UTC(2026, 11, 1, 0, i));
  return lines;
}

interface AuditDoc {
  audit: { records: number; chains: number; verified: boolean; problems: string[]; decisions: { allow: number; deny: number } };
  gaps: unknown[];
}

async function reportOn(file: string, content: string | Buffer): Promise<AuditDoc> {
  await writeFile(path.join(dir, file), content);
  const r = await run(["report", "plan.json", "--idp", "okta", "--format", "json", "--audit", file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditDoc;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-auth-report-audit-"));
  await writeFile(path.join(dir, "plan.json"), serializePlan(compile(crmDeclaration())));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("report --audit", () => {
  it("verifies a CloudWatch Logs export with platform lines, newest first, as audit verify reads it", async () => {
    const lines = records(6);
    const exported = ["START RequestId: 1 Version: $LATEST", ...lines.map((l, i) => `2026-12-01T00:0${i}:00.000Z ${l}`), "END RequestId: 1"].reverse();
    const doc = await reportOn("cloudwatch.log", `${exported.join("\n")}\n`);
    expect(doc.audit).toMatchObject({ records: 6, chains: 1, verified: true, problems: [], decisions: { allow: 3, deny: 3 } });
  });

  it("verifies the S3 archive's gzipped subscription envelopes, delivered twice", async () => {
    const lines = records(4);
    const envelope = (part: string[]) => JSON.stringify({ messageType: "DATA_MESSAGE", logGroup: "/aws/lambda/edge", logEvents: part.map((message, i) => ({ id: String(i), timestamp: 0, message })) });
    const archive = gzipSync(`${envelope(lines.slice(2))}${envelope(lines)}\n`);
    const doc = await reportOn("archive.gz", archive);
    expect(doc.audit).toMatchObject({ records: 4, chains: 1, verified: true, problems: [] });
  });

  it("still reports an edited record of such an export as a failed verification", async () => {
    const lines = records(4);
    lines[1] = lines[1]!.replace('"insufficient_scope"', '"ok"');
    const doc = await reportOn("edited.log", `${lines.map((l) => `2026-12-01T00:00:00.000Z ${l}`).join("\n")}\n`);
    expect(doc.audit.verified).toBe(false);
    expect(doc.audit.problems.join(" ")).toMatch(/prev_mismatch/);
  });

  it("accepts a time-window export that starts mid-chain with --partial, and reports it without", async () => {
    const window = records(8).slice(3);
    await writeFile(path.join(dir, "window.jsonl"), `${window.join("\n")}\n`);
    const strict = await run(["report", "plan.json", "--idp", "okta", "--format", "json", "--audit", "window.jsonl"]);
    expect(strict.code, strict.stderr).toBe(0);
    expect((JSON.parse(strict.stdout) as AuditDoc).audit).toMatchObject({ verified: false, problems: [expect.stringMatching(/starts_mid_chain/)] });
    const partial = await run(["report", "plan.json", "--idp", "okta", "--format", "json", "--audit", "window.jsonl", "--partial"]);
    expect(partial.code, partial.stderr).toBe(0);
    expect((JSON.parse(partial.stdout) as AuditDoc).audit).toMatchObject({ records: 5, chains: 1, verified: true, partial: true, problems: [] });
    const md = await run(["report", "plan.json", "--idp", "okta", "--audit", "window.jsonl", "--partial"]);
    expect(md.stdout).toMatch(/chain verification: ok \(a time window: chains may start mid-way, so what came before it is not covered\)/);
  });

  it("still finds a record missing inside a time window given with --partial", async () => {
    const window = records(8).slice(2);
    window.splice(2, 1);
    await writeFile(path.join(dir, "holed.jsonl"), `${window.join("\n")}\n`);
    const r = await run(["report", "plan.json", "--idp", "okta", "--format", "json", "--audit", "holed.jsonl", "--partial"]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as AuditDoc).audit.problems.join(" ")).toMatch(/gap_or_reorder/);
  });

  it("refuses --partial without --audit, naming the fix (exit 2)", async () => {
    const r = await run(["report", "plan.json", "--idp", "okta", "--partial"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--partial describes the --audit export: give --audit <file> with it/);
  });
});
