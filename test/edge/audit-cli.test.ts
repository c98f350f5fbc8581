import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { keySigner } from "../../lambda/core/checkpoint.js";
import { startLocalEdge } from "../../lambda/adapters/local.js";
import { fileCheckpoints } from "../../lambda/checkpoint-file.js";
import { bearer, call, crmConfig, harness, mint, post, rsaKey } from "./helpers.js";
import { runCli } from "../support/cli.js";

const key = rsaKey();
const signing = generateKeyPairSync("ec", { namedCurve: "P-256" });

const cli = (args: string[], cwd: string) => runCli(args, { cwd, stdoutIsTTY: false });

/** Seven decisions with checkpoints every 3, written to files the way an operator downloads them. */
async function exported() {
  const cps: string[] = [];
  const h = harness([crmConfig([key])], { auditChainId: "c1", checkpoints: { signer: keySigner(signing.privateKey), sink: (l) => void cps.push(l), every: 3 } });
  const t = mint(key);
  for (let i = 0; i < 7; i++) await h.edge.handle(post(call("list_customers", { i }), bearer(t)));
  await h.edge.flush();
  const dir = mkdtempSync(join(tmpdir(), "audit-cli-"));
  writeFileSync(join(dir, "records.jsonl"), `${h.lines.join("\n")}\n`);
  writeFileSync(join(dir, "checkpoints.jsonl"), `${cps.join("\n")}\n`);
  writeFileSync(join(dir, "key.pem"), signing.publicKey.export({ type: "spki", format: "pem" }));
  return { dir, lines: h.lines, cps };
}

/** CloudWatch Logs subscription envelopes as Firehose writes them to S3 (gzip, concatenated, out of order, one duplicate). */
function archiveObject(lines: string[]): Buffer {
  const env = (msgs: string[]) => JSON.stringify({ messageType: "DATA_MESSAGE", owner: "123456789012", logGroup: "/aws/lambda/edge", logStream: "s", subscriptionFilters: ["audit"], logEvents: msgs.map((message, i) => ({ id: String(i), timestamp: 0, message })) });
  const control = JSON.stringify({ messageType: "CONTROL_MESSAGE", logEvents: [{ message: "CWL CONTROL MESSAGE: Checking health of destination Firehose." }] });
  return Buffer.concat([gzipSync(env(lines.slice(3))), gzipSync(control), gzipSync(env(["START RequestId: 1 Version: $LATEST", ...lines.slice(0, 4)]))]);
}

describe("pulumi-mcp-auth audit verify", () => {
  it("exits 0 on an intact export checked against signed checkpoints", async () => {
    const { dir } = await exported();
    const r = await cli(["audit", "verify", "records.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "key.pem"], dir);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^intact: 7 records in 1 chain\(s\), 4 checkpoint\(s\)/);
  });

  it("reads the S3 archive's gzip envelopes, out of order and with duplicates", async () => {
    const { dir, lines, cps } = await exported();
    writeFileSync(join(dir, "records.gz"), archiveObject(lines));
    writeFileSync(join(dir, "cps.gz"), archiveObject(cps));
    const r = await cli(["audit", "verify", "records.gz", "--checkpoints", "cps.gz", "--key", "key.pem", "--format", "json"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: 1, ok: true, records: 7, checkpoints: 4, skipped: 1 });
  });

  it("exits 1 and names an edited record, even when the chain was recomputed", async () => {
    const { dir, lines } = await exported();
    let prev = "genesis";
    const forged = lines.map((l) => {
      const r = JSON.parse(l) as { seq: number; prev: string; decision: string };
      if (r.seq === 4) r.decision = "deny";
      r.prev = prev;
      const out = JSON.stringify(r);
      prev = createHash("sha256").update(out).digest("base64url");
      return out;
    });
    writeFileSync(join(dir, "forged.jsonl"), forged.join("\n"));
    const r = await cli(["audit", "verify", "forged.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "key.pem"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/edited\s+checkpoints:3 chain c1 seq 5/);
  });

  it("exits 1 on a truncated export and warns that without checkpoints only the chain is checked", async () => {
    const { dir, lines } = await exported();
    writeFileSync(join(dir, "cut.jsonl"), lines.slice(0, 5).join("\n"));
    expect((await cli(["audit", "verify", "cut.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "key.pem"], dir)).stdout).toMatch(/truncated/);
    const plain = await cli(["audit", "verify", "cut.jsonl"], dir);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("warning: no --checkpoints");
  });

  it("exits 1 with no_records on an export that holds no audit record (a wrong file), but not for a time window", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-cli-"));
    writeFileSync(join(dir, "wrong.log"), "START RequestId: 1 Version: $LATEST\nsome operator log line\n");
    const r = await cli(["audit", "verify", "wrong.log"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/PROBLEMS FOUND: 0 records/);
    expect(r.stdout).toMatch(/no_records/);
    expect((await cli(["audit", "verify", "wrong.log", "--partial"], dir)).code).toBe(0);
  });

  it("exits 2 on a missing file, a bad key or a missing subcommand", async () => {
    const { dir } = await exported();
    writeFileSync(join(dir, "rsa.pem"), generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }));
    expect((await cli(["audit", "verify", "nope.jsonl"], dir)).code).toBe(2);
    expect((await cli(["audit", "verify", "records.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "rsa.pem"], dir)).stderr).toMatch(/EC P-256/);
    expect((await cli(["audit"], dir)).code).toBe(2);
  });

  it("says in its help that an unreadable or unusable key exits 2, as it does", async () => {
    const { dir } = await exported();
    writeFileSync(join(dir, "garbage.pem"), "not a key\n");
    const r = await cli(["audit", "verify", "records.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "garbage.pem"], dir);
    expect(r.code).toBe(2);
    expect((await cli(["audit", "--help"], dir)).stdout).toMatch(/^ {2}2 {2}bad arguments, or an unreadable file or key$/m);
  });

  it("verifies what a local edge wrote with a key file and a checkpoint file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-local-"));
    const lines: string[] = [];
    const local = await startLocalEdge({
      configs: [crmConfig([key])],
      fetch: (async () => Response.json({ jsonrpc: "2.0", id: 1, result: {} })) as typeof fetch,
      audit: (_r, l) => void lines.push(l),
      log: () => undefined,
      deferAudit: true,
      checkpoints: fileCheckpoints({ keyFile: join(dir, "audit-key.pem"), file: join(dir, "checkpoints.jsonl"), every: 2 }),
    });
    const t = mint(key);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${local.url}/crm`, { method: "POST", headers: { "content-type": "application/json", host: "mcp.example.com", ...bearer(t) }, body: JSON.stringify(call("list_customers")) });
      await r.arrayBuffer();
    }
    await local.close();
    writeFileSync(join(dir, "audit.jsonl"), lines.join("\n"));
    const r = await cli(["audit", "verify", "audit.jsonl", "--checkpoints", "checkpoints.jsonl", "--key", "audit-key.pem.pub.pem"], dir);
    expect(r.stdout).toMatch(/^intact: 3 records/);
    expect(r.code).toBe(0);
  });
});
