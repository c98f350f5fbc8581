import { createHash } from "node:crypto";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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

  it("marks the first record left of a chain whose first records were cut from the file as broken, as audit verify does", async () => {
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const cut = path.join(dir, "head-cut.jsonl");
    await writeFile(cut, `${lines.slice(2).join("\n")}\n`);
    const page = await fileAuditSource(cut, level).query(all);
    expect(page.records.map((r) => [r.seq, r.verification.status, r.verification.problems])).toEqual([
      [3, "verified", []],
      [2, "broken", ["starts_mid_chain"]],
    ]);
  });
});

describe("audit file source: appends and edits while it runs", () => {
  const copy = async (name: string): Promise<{ path: string; lines: string[] }> => {
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const p = path.join(dir, name);
    await writeFile(p, `${lines.join("\n")}\n`);
    return { path: p, lines };
  };
  /** The next record of the chain of `last` (a valid link), with `fields` changed. */
  const next = (last: string, fields: Record<string, unknown>): string => {
    const r = JSON.parse(last) as Record<string, unknown>;
    const prev = createHash("sha256").update(last).digest("base64url");
    return JSON.stringify({ ...r, seq: (r["seq"] as number) + 1, prev, ts: new Date(Date.parse(r["ts"] as string) + 1000).toISOString(), ...fields });
  };

  it("indexes appended lines (and not a half-written one) and verifies them against the chain's last record", async () => {
    const f = await copy("appended.jsonl");
    const src = fileAuditSource(f.path, level);
    expect((await src.query(all)).total).toBe(4);
    const added = next(f.lines.at(-1)!, { user: "zoe", tool: "delete_customer", decision: "deny", status: 403, reason: "insufficient_scope", scopes: ["crm:customers:delete"], missing: ["crm:customers:delete"] });
    await appendFile(f.path, `${added}\n{"v":1,"chain":"half`);
    const page = await src.query(RecordFilterSchema.parse({ decision: "deny" }));
    expect(page.records.map((r) => [r.user, r.tool, r.verification.status, r.verification.chainLength])).toEqual([
      ["zoe", "delete_customer", "verified", 5],
      ["mallory", "export_customers", "verified", 5],
    ]);
    expect((await src.query(RecordFilterSchema.parse({ user: "zoe", sensitivity: "high" }))).total).toBe(1);
    // A forged record appended with a wrong link: it and its predecessor are marked broken.
    await appendFile(f.path, `\n${JSON.stringify({ ...JSON.parse(next(added, { user: "eve" })), prev: "forged" })}\n`);
    const forged = await src.query(all);
    expect(forged.total).toBe(6);
    expect(forged.records.slice(0, 2).map((r) => [r.user, r.verification.status])).toEqual([
      ["eve", "broken"],
      ["zoe", "broken"],
    ]);
  });

  it("re-verifies the whole file when a line before the appended ones changed, even at the same length", async () => {
    const f = await copy("edited-and-appended.jsonl");
    // Enough records that line 2 lies before the tail bytes an append is compared with.
    for (let i = 0; i < 40; i++) f.lines.push(next(f.lines.at(-1)!, {}));
    await writeFile(f.path, `${f.lines.join("\n")}\n`);
    const src = fileAuditSource(f.path, level, { recheckSeconds: 0 });
    expect((await src.query(all)).records.every((r) => r.verification.status === "verified")).toBe(true);
    const lines = [...f.lines, next(f.lines.at(-1)!, { user: "zoe" })];
    lines[1] = lines[1]!.replace('"carol"', '"marol"');
    await writeFile(f.path, `${lines.join("\n")}\n`);
    const page = await src.query(RecordFilterSchema.parse({ limit: 1000 }));
    expect(page.total).toBe(45);
    expect(page.records.filter((r) => r.verification.status === "broken").map((r) => r.seq).sort()).toEqual([1, 2]);
  });

  it("keeps newest-first order and time ranges when records arrive out of order", async () => {
    const f = await copy("out-of-order.jsonl");
    const src = fileAuditSource(f.path, level);
    await src.query(all);
    const first = JSON.parse(f.lines[0]!) as { ts: string };
    const early = JSON.stringify({ v: 1, chain: "other", seq: 0, prev: "genesis", ts: new Date(Date.parse(first.ts) - 60_000).toISOString(), server: "crm", decision: "allow", status: 200, reason: "ok", user: "old" });
    await appendFile(f.path, `${early}\n`);
    const page = await src.query(all);
    expect(page.records.at(-1)!.user).toBe("old");
    const window = await src.query(RecordFilterSchema.parse({ to: new Date(Date.parse(first.ts) - 1).toISOString() }));
    expect(window.records.map((r) => r.user)).toEqual(["old"]);
    expect((await src.query(RecordFilterSchema.parse({ from: first.ts, user: "alice" }))).total).toBe(2);
  });

  it("by default checks the bytes before an append in the background, within recheckSeconds", async () => {
    const f = await copy("edited-later.jsonl");
    // Enough records that line 2 lies before the tail bytes an append is compared with.
    for (let i = 0; i < 40; i++) f.lines.push(next(f.lines.at(-1)!, {}));
    await writeFile(f.path, `${f.lines.join("\n")}\n`);
    let clock = 1_000_000;
    const src = fileAuditSource(f.path, level, { recheckSeconds: 30, now: () => clock });
    await src.query(all);
    const lines = [...f.lines, next(f.lines.at(-1)!, { user: "zoe" })];
    lines[1] = lines[1]!.replace('"carol"', '"marol"');
    await writeFile(f.path, `${lines.join("\n")}\n`);
    // Within the interval: the append is indexed from the tail; the edit is not seen yet.
    const first = await src.query(all);
    expect(first.total).toBe(45);
    expect(first.records[0]!.user).toBe("zoe");
    expect(first.records.every((r) => r.verification.status === "verified")).toBe(true);
    clock += 31_000;
    await src.query(all); // starts the check
    await vi.waitFor(async () => {
      const page = await src.query(all);
      expect(page.records.filter((r) => r.verification.status === "broken").map((r) => r.seq).sort()).toEqual([1, 2]);
    });
  });
});
