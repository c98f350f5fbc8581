import { GetQueryResultsCommand, StartQueryCommand, type CloudWatchLogsClient, type ResultField } from "@aws-sdk/client-cloudwatch-logs";
import { SENSITIVITY_LEVELS, sensitivityRank, type Sensitivity } from "../model/sensitivity.js";
import { verifyAuditChain } from "../../lambda/core/audit.js";
import { readRecord, type RecordFilter } from "./records.js";
import type { AuditSource, RecordPage, VerifiedRecord } from "./source.js";

/**
 * The edge's log group as an audit source on AWS, read with CloudWatch Logs Insights: every answer is
 * a query over the records where they are stored (no second copy). The edge writes each record as one
 * JSON line, so `@message` is the record and its fields are top-level.
 */
export interface CloudWatchSourceOptions {
  client: Pick<CloudWatchLogsClient, "send">;
  logGroupNames: string[];
  sensitivityOf: (scope: string) => Sensitivity | undefined;
  /** Scopes per sensitivity (to filter by sensitivity: records name scopes, not levels). */
  scopesOf: (level: Sensitivity) => string[];
  /** Time range when the filter gives none, days back from now (default 30). */
  defaultDays?: number;
  /** How long to wait for a query, ms (default 20,000). */
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Logs Insights caps a query's `limit` at 10,000 rows. */
const INSIGHTS_MAX_ROWS = 10_000;

/** A Logs Insights string literal (double-quoted, backslash escapes). */
export const insightsString = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const regexEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The Logs Insights filter lines for a record filter (and a tenant restriction). */
export function insightsFilter(f: RecordFilter, scopesOf: (level: Sensitivity) => string[], tenant?: string): string[] {
  const lines = ["filter ispresent(chain) and ispresent(decision)"];
  const eq: Array<[string, string | undefined]> = [["user", f.user], ["client", f.client], ["agent", f.agent], ["tool", f.tool], ["server", f.server], ["tenant", tenant ?? f.tenant]];
  for (const [field, value] of eq) if (value !== undefined) lines.push(`filter ${field} = ${insightsString(value)}`);
  if (tenant !== undefined && f.tenant !== undefined && f.tenant !== tenant) lines.push("filter 1 = 0");
  if (f.decision === "would-deny") lines.push('filter would = "deny"');
  else if (f.decision !== undefined) lines.push(`filter decision = ${insightsString(f.decision)}`);
  // A scope appears quoted inside the `scopes`/`missing` arrays, so `a:b:read` never matches `a:b:readall`.
  if (f.scope !== undefined) lines.push(`filter @message like /"${regexEscape(f.scope)}"/`);
  if (f.sensitivity !== undefined) {
    // A record's sensitivity is the highest among the scopes it names (as the audit file source
    // reads it): one of this level, and none of a higher one.
    const level = f.sensitivity;
    const scopes = scopesOf(level);
    const higher = SENSITIVITY_LEVELS.filter((l) => sensitivityRank(l) > sensitivityRank(level)).flatMap((l) => scopesOf(l));
    lines.push(scopes.length ? `filter @message like /"(${scopes.map(regexEscape).join("|")})"/` : "filter 1 = 0");
    if (scopes.length && higher.length) lines.push(`filter @message not like /"(${higher.map(regexEscape).join("|")})"/`);
  }
  return lines;
}

export function cloudWatchAuditSource(opts: CloudWatchSourceOptions): AuditSource {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  function range(f: RecordFilter): { startTime: number; endTime: number } {
    const end = f.to !== undefined ? Date.parse(f.to) : now();
    const start = f.from !== undefined ? Date.parse(f.from) : end - (opts.defaultDays ?? 30) * 86_400_000;
    return { startTime: Math.floor(start / 1000), endTime: Math.ceil(end / 1000) };
  }

  async function run(queryString: string, r: { startTime: number; endTime: number }): Promise<ResultField[][]> {
    const started = await opts.client.send(new StartQueryCommand({ logGroupNames: opts.logGroupNames, queryString, ...r }));
    const id = started.queryId;
    if (!id) throw new Error("Logs Insights returned no query id");
    const deadline = now() + (opts.timeoutMs ?? 20_000);
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      const res = await opts.client.send(new GetQueryResultsCommand({ queryId: id }));
      if (res.status === "Complete") return res.results ?? [];
      if (res.status === "Failed" || res.status === "Cancelled" || res.status === "Timeout") throw new Error(`Logs Insights query ${res.status.toLowerCase()}`);
      if (now() > deadline) throw new Error("Logs Insights query did not complete in time");
      await sleep(wait);
    }
  }
  const field = (row: ResultField[], name: string): string | undefined => row.find((c) => c.field === name)?.value;

  function toRecord(message: string | undefined): VerifiedRecord | undefined {
    const r = message ? readRecord(message.trim(), opts.sensitivityOf) : undefined;
    // Verification needs the record's neighbours: the detail view (record()) fetches them.
    return r ? { ...r, verification: { status: "unchecked", chainLength: 0, problems: [] } } : undefined;
  }

  async function search(f: RecordFilter, rows: number, tenant?: string): Promise<VerifiedRecord[]> {
    const q = [...insightsFilter(f, opts.scopesOf, tenant), "fields @message", "sort @timestamp desc", `limit ${Math.min(rows, INSIGHTS_MAX_ROWS)}`].join("\n| ");
    return (await run(q, range(f))).map((row) => toRecord(field(row, "@message"))).filter((r): r is VerifiedRecord => r !== undefined);
  }

  return {
    async query(f, tenant): Promise<RecordPage> {
      const [records, counted] = await Promise.all([
        search(f, f.offset + f.limit, tenant),
        run([...insightsFilter(f, opts.scopesOf, tenant), "stats count(*) as n"].join("\n| "), range(f)),
      ]);
      const total = Number(field(counted[0] ?? [], "n") ?? records.length);
      return { records: records.slice(f.offset, f.offset + f.limit), total, offset: f.offset, limit: f.limit };
    },
    async exportRecords(f, max, tenant) {
      return search(f, max, tenant);
    },
    async record(chain, seq, tenant) {
      const q = [`filter chain = ${insightsString(chain)} and seq >= ${seq - 1} and seq <= ${seq + 1}`, ...(tenant !== undefined ? [`filter tenant = ${insightsString(tenant)}`] : []), "fields @message, seq", "sort seq asc", "limit 3"].join("\n| ");
      const lengthQuery = `filter chain = ${insightsString(chain)}\n| stats max(seq) as last`;
      const r = { startTime: 0, endTime: Math.ceil(now() / 1000) };
      const [rows, last] = await Promise.all([run(q, r), run(lengthQuery, r)]);
      const lines = rows.map((row) => field(row, "@message") ?? "").filter((l) => l.length > 0);
      const target = lines.map((l) => toRecord(l)).find((x) => x?.seq === seq);
      if (!target) return undefined;
      const verdict = verifyAuditChain(lines, { allowPartial: true });
      const problems = verdict.problems.map((p) => p.problem);
      target.verification = { status: problems.length === 0 ? "verified" : "broken", chainLength: Number(field(last[0] ?? [], "last") ?? seq) + 1, problems };
      return target;
    },
  };
}
