import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileAuditSource } from "../../components/audit-surface/file-source.js";
import { parseFilter, readRecord, RecordFilterSchema, toCsv } from "../../components/audit-surface/records.js";
import { plan } from "../edge/helpers.js";
import { writeEdgeAuditRecords } from "./fixtures.js";

const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
const level = (s: string) => sensitivity.get(s);
const all = RecordFilterSchema.parse({});

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-audit-records-"));
  file = path.join(dir, "audit.jsonl");
  await writeEdgeAuditRecords(file);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("audit surface filters", () => {
  it("names the parameter of a bad filter", () => {
    expect(parseFilter(new URLSearchParams("limit=5000"))).toEqual({ ok: false, error: expect.stringMatching(/^limit: /) });
    expect(parseFilter(new URLSearchParams("decision=maybe"))).toEqual({ ok: false, error: expect.stringMatching(/^decision: /) });
    expect(parseFilter(new URLSearchParams("colour=red"))).toEqual({ ok: false, error: "unknown filter 'colour'" });
    expect(parseFilter(new URLSearchParams("from=yesterday"))).toEqual({ ok: false, error: "from: must be an ISO 8601 date or date-time" });
  });

  it("derives a record's sensitivity from the scopes it used or missed", () => {
    const r = readRecord(JSON.stringify({ chain: "c", seq: 0, decision: "deny", scopes: ["crm:customers:read"], missing: ["crm:customers:export"] }), level)!;
    expect(r.sensitivity).toBe("high");
    expect(readRecord('{"level":"warn","event":"x"}', level)).toBeUndefined();
  });

  it("keeps spreadsheet formulas out of the CSV export", () => {
    const r = readRecord(JSON.stringify({ chain: "c", seq: 0, decision: "allow", user: "=HYPERLINK(\"x\")", tool: "a,b" }), level)!;
    const row = toCsv([r]).split("\r\n")[1]!;
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain('"a,b"');
  });
});

describe("audit file source", () => {
  it("filters the records the edge wrote, newest first, by user, decision and sensitivity", async () => {
    const src = fileAuditSource(file, level);
    const page = await src.query(all);
    expect(page.total).toBe(4);
    expect(page.records.map((r) => r.tool)).toEqual(["list_deals", "export_customers", "get_customer", "list_customers"]);
    const denied = await src.query(RecordFilterSchema.parse({ decision: "deny", sensitivity: "high" }));
    expect(denied.records.map((r) => [r.user, r.tool, r.reason])).toEqual([["mallory", "export_customers", "insufficient_scope"]]);
    expect((await src.query(RecordFilterSchema.parse({ user: "alice" }))).total).toBe(2);
  });

  it("shows only the signed-in admin's tenant when the admin has one", async () => {
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const tenantFile = path.join(dir, "tenants.jsonl");
    await writeFile(tenantFile, `${lines.map((l, i) => JSON.stringify({ ...JSON.parse(l), tenant: i % 2 ? "acme" : "globex" })).join("\n")}\n`);
    const src = fileAuditSource(tenantFile, level);
    expect((await src.query(all, "acme")).records.every((r) => r.tenant === "acme")).toBe(true);
    expect((await src.query(all, "acme")).total).toBe(2);
    const globexRecord = (await src.query(all, "globex")).records[0]!;
    expect(await src.record(globexRecord.chain, globexRecord.seq, "acme")).toBeUndefined();
  });

  it("marks an edited record and its chain neighbour as broken, and re-reads the file when it changes", async () => {
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const edited = path.join(dir, "edited.jsonl");
    await writeFile(edited, `${lines.join("\n")}\n`);
    const src = fileAuditSource(edited, level);
    expect((await src.query(all)).records.every((r) => r.verification.status === "verified")).toBe(true);
    lines[2] = lines[2]!.replace('"deny"', '"allow"');
    await writeFile(edited, `${lines.join("\n")}\n`);
    const page = await src.query(all);
    const broken = page.records.filter((r) => r.verification.status === "broken").map((r) => r.seq).sort();
    expect(broken).toEqual([2, 3]);
  });
});
