import { z } from "zod";
import { SENSITIVITY_LEVELS, sensitivityRank, type Sensitivity } from "../model/sensitivity.js";

/**
 * The audit surface's view of audit records: what it reads (any line the edge wrote), the filters an
 * admin can apply, and how a record is matched. Read-only: nothing here writes or copies records.
 */

/** One audit record as read back (the edge's `AuditRecord`, fields the surface uses). */
export interface SurfaceRecord {
  chain: string;
  seq: number;
  ts: string;
  server: string;
  decision: "allow" | "deny";
  status: number;
  reason: string;
  /** `deny` when an observe-mode server let the request through but enforcement would have refused it. */
  would?: string;
  user?: string;
  client?: string;
  agent?: string;
  tenant?: string;
  method?: string;
  tool?: string;
  scopes?: string[];
  missing?: string[];
  ip?: string;
  ua?: string;
  session?: string;
  /** Highest sensitivity among `scopes` and `missing` (from the plan); absent when the record names none. */
  sensitivity?: Sensitivity;
  /** The whole record as written. */
  raw: Record<string, unknown>;
}

const text = z.string().trim().min(1).max(512);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date or date-time");

/** Query-string filters (every field optional; all given ones must match). */
export const RecordFilterSchema = z.strictObject({
  user: text.optional(),
  client: text.optional(),
  agent: text.optional(),
  tool: text.optional(),
  scope: text.optional(),
  server: text.optional(),
  tenant: text.optional(),
  sensitivity: z.enum(SENSITIVITY_LEVELS).optional(),
  decision: z.enum(["allow", "deny", "would-deny"]).optional(),
  from: iso.optional(),
  to: iso.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export type RecordFilter = z.infer<typeof RecordFilterSchema>;

/** Parses URL query parameters into a filter; errors name the parameter. */
export function parseFilter(params: URLSearchParams): { ok: true; filter: RecordFilter } | { ok: false; error: string } {
  const obj: Record<string, string> = {};
  for (const [k, v] of params) if (v !== "") obj[k] = v;
  const r = RecordFilterSchema.safeParse(obj);
  if (r.success) return { ok: true, filter: r.data };
  const i = r.error.issues[0]!;
  return { ok: false, error: i.code === "unrecognized_keys" ? `unknown filter ${i.keys.map((k) => `'${k}'`).join(", ")}` : `${i.path.join(".")}: ${i.message}` };
}

/** Reads one line into a record, or undefined when the line is not an audit record. */
export function readRecord(line: string, sensitivityOf: (scope: string) => Sensitivity | undefined): SurfaceRecord | undefined {
  if (!line.startsWith("{")) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw["chain"] !== "string" || typeof raw["seq"] !== "number" || (raw["decision"] !== "allow" && raw["decision"] !== "deny")) return undefined;
  const str = (k: string): string | undefined => (typeof raw[k] === "string" ? (raw[k] as string) : undefined);
  const list = (k: string): string[] | undefined => (Array.isArray(raw[k]) ? (raw[k] as unknown[]).filter((x): x is string => typeof x === "string") : undefined);
  const rec: SurfaceRecord = { chain: raw["chain"] as string, seq: raw["seq"] as number, ts: str("ts") ?? "", server: str("server") ?? "", decision: raw["decision"] as "allow" | "deny", status: typeof raw["status"] === "number" ? (raw["status"] as number) : 0, reason: str("reason") ?? "", raw };
  for (const k of ["would", "user", "client", "agent", "tenant", "method", "tool", "ip", "ua", "session"] as const) {
    const v = str(k);
    if (v !== undefined) rec[k] = v;
  }
  const scopes = list("scopes");
  const missing = list("missing");
  if (scopes) rec.scopes = scopes;
  if (missing) rec.missing = missing;
  let level: Sensitivity | undefined;
  for (const s of [...(scopes ?? []), ...(missing ?? [])]) {
    const l = sensitivityOf(s);
    if (l && (level === undefined || sensitivityRank(l) > sensitivityRank(level))) level = l;
  }
  if (level) rec.sensitivity = level;
  return rec;
}

/** Whether a record matches every given filter (tenant restriction applied by the caller). */
export function matches(r: SurfaceRecord, f: RecordFilter): boolean {
  if (f.user !== undefined && r.user !== f.user) return false;
  if (f.client !== undefined && r.client !== f.client) return false;
  if (f.agent !== undefined && r.agent !== f.agent) return false;
  if (f.tool !== undefined && r.tool !== f.tool) return false;
  if (f.server !== undefined && r.server !== f.server) return false;
  if (f.tenant !== undefined && r.tenant !== f.tenant) return false;
  if (f.scope !== undefined && !(r.scopes?.includes(f.scope) || r.missing?.includes(f.scope))) return false;
  if (f.sensitivity !== undefined && r.sensitivity !== f.sensitivity) return false;
  if (f.decision === "would-deny" ? r.would !== "deny" : f.decision !== undefined && r.decision !== f.decision) return false;
  if (f.from !== undefined && Date.parse(r.ts) < Date.parse(f.from)) return false;
  if (f.to !== undefined && Date.parse(r.ts) > Date.parse(f.to)) return false;
  return true;
}

/** Columns of the CSV export, in order. */
export const CSV_COLUMNS = ["ts", "server", "decision", "would", "status", "reason", "user", "client", "agent", "tenant", "method", "tool", "sensitivity", "scopes", "missing", "ip", "ua", "chain", "seq"] as const;

/** RFC 4180 CSV; cells starting with =, +, -, @ are prefixed with ' so spreadsheets do not run them as formulas. */
export function toCsv(records: readonly SurfaceRecord[]): string {
  const cell = (v: unknown): string => {
    let s = v === undefined ? "" : Array.isArray(v) ? v.join(" ") : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = records.map((r) => CSV_COLUMNS.map((c) => cell((r as unknown as Record<string, unknown>)[c])).join(","));
  return `${[CSV_COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
