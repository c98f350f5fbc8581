import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchAuditSource, insightsFilter } from "../../components/audit-surface/cloudwatch-source.js";
import { matches, readRecord, RecordFilterSchema } from "../../components/audit-surface/records.js";
import { plan } from "../edge/helpers.js";
import { writeEdgeAuditRecords } from "./fixtures.js";

const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
const scopesOf = (level: string) => plan.scopes.filter((s) => s.sensitivity === level).map((s) => s.name);

let lines: string[];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-audit-cw-"));
  const file = path.join(dir, "audit.jsonl");
  await writeEdgeAuditRecords(file);
  lines = (await readFile(file, "utf8")).trim().split("\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A Logs Insights stand-in: records the queries it is sent and answers from the given rows. */
function fakeLogs(answer: (query: string) => Array<Array<{ field: string; value: string }>>) {
  const queries: Array<{ queryString: string; logGroupNames: string[] }> = [];
  return {
    queries,
    client: {
      async send(cmd: unknown): Promise<unknown> {
        if (cmd instanceof StartQueryCommand) {
          queries.push({ queryString: cmd.input.queryString!, logGroupNames: cmd.input.logGroupNames! });
          return { queryId: String(queries.length - 1) };
        }
        if (cmd instanceof GetQueryResultsCommand) return { status: "Complete", results: answer(queries[Number(cmd.input.queryId)]!.queryString) };
        throw new Error("unexpected command");
      },
    },
  };
}

describe("CloudWatch Logs Insights audit source", () => {
  it("turns filters into Insights filters with escaped strings and quoted scope matches", () => {
    const f = RecordFilterSchema.parse({ user: 'al"ice\\', decision: "deny", sensitivity: "high", scope: "crm:customers:export" });
    const q = insightsFilter(f, scopesOf as never);
    expect(q).toContain('filter user = "al\\"ice\\\\"');
    expect(q).toContain('filter decision = "deny"');
    expect(q).toContain('filter @message like /"crm:customers:export"/');
    expect(q.find((l) => l.includes("crm:deals:close"))).toMatch(/^filter @message like \/"\(.*crm:customers:export.*\)"\/$/);
  });

  it("filters by a record's highest sensitivity, as the audit file source does", () => {
    const rec = (seq: number, scopes: string[], missing?: string[]) => JSON.stringify({ v: 1, chain: "c", seq, prev: "x", ts: "2026-12-01T00:00:00.000Z", server: "crm", decision: missing ? "deny" : "allow", status: missing ? 403 : 200, reason: missing ? "insufficient_scope" : "ok", scopes, ...(missing ? { missing } : {}) });
    const messages = [
      ...lines,
      rec(10, ["crm:customers:read"]),
      rec(11, ["crm:customers:read", "crm:customers:export"]),
      rec(12, ["crm:customers:export", "crm:billing:write"], ["crm:billing:write"]),
      rec(13, ["crm:billing:write"]),
      rec(14, []),
    ];
    // What Logs Insights keeps of these messages for the `@message like` / `not like` lines.
    const kept = (query: string[]) =>
      messages.filter((m) =>
        query.every((l) => {
          const like = /^filter @message (not )?like \/(.*)\/$/.exec(l);
          if (like) return new RegExp(like[2]!).test(m) !== (like[1] === "not ");
          return l === "filter ispresent(chain) and ispresent(decision)" || (l !== "filter 1 = 0" && expect.fail(`unexpected filter line ${l}`));
        }),
      );
    for (const level of ["routine", "high", "critical"] as const) {
      const f = RecordFilterSchema.parse({ sensitivity: level });
      const expected = messages.filter((m) => matches(readRecord(m, (s) => sensitivity.get(s))!, f));
      expect(expected.length, level).toBeGreaterThan(0);
      expect(kept(insightsFilter(f, scopesOf as never)), level).toEqual(expected);
    }
  });

  it("pins a tenant admin's queries to their tenant, whatever the filter asks", () => {
    const q = insightsFilter(RecordFilterSchema.parse({ tenant: "globex" }), scopesOf as never, "acme");
    expect(q).toContain('filter tenant = "acme"');
    expect(q).toContain("filter 1 = 0");
  });

  it("pages through the records Logs Insights returns and counts the total", async () => {
    const logs = fakeLogs((q) => (q.includes("stats count") ? [[{ field: "n", value: "4" }]] : [...lines].reverse().map((l) => [{ field: "@message", value: l }])));
    const src = cloudWatchAuditSource({ client: logs.client, logGroupNames: ["/aws/lambda/edge"], sensitivityOf: (s) => sensitivity.get(s), scopesOf: scopesOf as never, sleep: async () => {} });
    const page = await src.query(RecordFilterSchema.parse({ limit: 2, offset: 1 }));
    expect(page.total).toBe(4);
    expect(page.records.map((r) => r.tool)).toEqual(["export_customers", "get_customer"]);
    expect(page.records[0]!.verification.status).toBe("unchecked");
    expect(logs.queries[0]!.logGroupNames).toEqual(["/aws/lambda/edge"]);
    expect(logs.queries[0]!.queryString).toMatch(/limit 3$/);
  });

  it("verifies a record's links to its neighbours in the detail view", async () => {
    const chain = JSON.parse(lines[0]!).chain as string;
    const logs = fakeLogs((q) => (q.includes("stats max(seq)") ? [[{ field: "last", value: "3" }]] : lines.slice(1, 4).map((l) => [{ field: "@message", value: l }])));
    const src = cloudWatchAuditSource({ client: logs.client, logGroupNames: ["g"], sensitivityOf: (s) => sensitivity.get(s), scopesOf: scopesOf as never, sleep: async () => {} });
    const r = await src.record(chain, 2);
    expect(r).toMatchObject({ tool: "export_customers", verification: { status: "verified", chainLength: 4, problems: [] } });

    const edited = [...lines];
    edited[2] = edited[2]!.replace('"deny"', '"allow"');
    const logs2 = fakeLogs((q) => (q.includes("stats max(seq)") ? [[{ field: "last", value: "3" }]] : edited.slice(1, 4).map((l) => [{ field: "@message", value: l }])));
    const src2 = cloudWatchAuditSource({ client: logs2.client, logGroupNames: ["g"], sensitivityOf: (s) => sensitivity.get(s), scopesOf: scopesOf as never, sleep: async () => {} });
    expect((await src2.record(chain, 2))!.verification.status).toBe("broken");
  });
});
