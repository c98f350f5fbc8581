import { nodeCrypto } from "./node.js";
import { isoTime } from "./time.js";

const { hash, randomUUID } = nodeCrypto;

/**
 * Audit records: one JSON object per decision, chained (sequence number + hash of the previous
 * record) so that a gap, a reordering or an edited record is detectable by `verifyAuditChain`.
 * Never holds a token or a secret; parameter values are hashed by default (MCP best practices,
 * "Log elevation events … with correlation IDs", RS-25).
 */
export interface AuditRecord {
  /** Record format version. */
  v: 1;
  /** Chain id: one per edge instance (a Lambda instance, a local process). */
  chain: string;
  /** Position in the chain, from 0. */
  seq: number;
  /** base64url SHA-256 of the previous record's JSON line; `"genesis"` for seq 0. */
  prev: string;
  /** ISO 8601 with milliseconds. */
  ts: string;
  server: string;
  decision: "allow" | "deny";
  status: number;
  /** Stable reason code (`ok`, `no_token`, `expired`, `insufficient_scope`, …). */
  reason: string;
  user?: string | undefined;
  client?: string | undefined;
  agent?: string | undefined;
  tenant?: string | undefined;
  /** MCP host client from `initialize` `clientInfo` when seen in this request. */
  hostClient?: string | undefined;
  session?: string | undefined;
  method?: string | undefined;
  tool?: string | undefined;
  /** Parameter keys with hashed (or redacted/raw, per option) values. */
  params?: Record<string, string> | undefined;
  /** Further calls of a batch. */
  batch?: Array<{ method: string; tool?: string | undefined; params?: Record<string, string> | undefined }> | undefined;
  /** Scopes the decision required. */
  scopes?: string[] | undefined;
  /** Scopes missing (deny for insufficient scope). */
  missing?: string[] | undefined;
  ip?: string | undefined;
  ua?: string | undefined;
  /** Token `jti` when present (an identifier, not the token). */
  jti?: string | undefined;
}

export type AuditFields = Omit<AuditRecord, "v" | "chain" | "seq" | "prev" | "ts">;

/** How parameter values appear in records: hashed (default), keys only, or raw (dev only). */
export type ParamMode = "hash" | "keys" | "raw";

/** Parameter keys with values hashed (`sha256:` + 16 base64url chars), or per `mode`. */
export function sanitizeParams(args: unknown, mode: ParamMode): Record<string, string> | undefined {
  if (typeof args !== "object" || args === null || Array.isArray(args)) return undefined;
  const out: Record<string, string> = {};
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) {
    const v = a[k];
    const text = typeof v === "string" ? v : JSON.stringify(v) ?? "undefined";
    out[k] = mode === "keys" ? "" : mode === "raw" ? text : `sha256:${hash("sha256", text, "base64url").slice(0, 16)}`;
  }
  return out;
}

/** Builds chained records. Each instance is one chain. */
export class AuditChain {
  private seq = 0;
  private prev = "genesis";
  private tsMs = Number.NaN;
  private tsIso = "";
  constructor(
    private readonly sink: (line: string, record: AuditRecord) => void,
    readonly chain: string = randomUUID(),
  ) {}

  /** Completes, chains and emits a record. @param nowMs epoch ms. */
  write(f: AuditFields, nowMs: number): AuditRecord {
    // Built field by field in one fixed order (one hidden class; much cheaper than object spread).
    const record: AuditRecord = {
      v: 1,
      chain: this.chain,
      seq: this.seq,
      prev: this.prev,
      ts: nowMs === this.tsMs ? this.tsIso : ((this.tsMs = nowMs), (this.tsIso = isoTime(nowMs))),
      server: f.server,
      decision: f.decision,
      status: f.status,
      reason: f.reason,
      user: f.user,
      client: f.client,
      agent: f.agent,
      tenant: f.tenant,
      hostClient: f.hostClient,
      session: f.session,
      method: f.method,
      tool: f.tool,
      params: f.params,
      batch: f.batch,
      scopes: f.scopes,
      missing: f.missing,
      ip: f.ip,
      ua: f.ua,
      jti: f.jti,
    };
    const line = JSON.stringify(record);
    this.seq++;
    this.prev = hash("sha256", line, "base64url");
    this.sink(line, record);
    return record;
  }
}

/** A problem found in a chain. */
export interface ChainProblem {
  line: number;
  chain?: string;
  seq?: number;
  problem: "not_json" | "not_a_record" | "gap_or_reorder" | "prev_mismatch" | "starts_mid_chain";
}

/**
 * Verifies audit lines (in emitted order, possibly several chains interleaved): every record of a
 * chain has seq = previous + 1 and `prev` = hash of the previous line. A chain may start at seq 0
 * or, when `allowPartial`, anywhere (log retention cut the head).
 * Limitation: editing the very last record of a chain is only detectable once a later record exists.
 */
export function verifyAuditChain(lines: readonly string[], opts: { allowPartial?: boolean } = {}): { ok: boolean; records: number; chains: number; problems: ChainProblem[] } {
  const state = new Map<string, { seq: number; hash: string }>();
  const problems: ChainProblem[] = [];
  let records = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let r: Partial<AuditRecord>;
    try {
      r = JSON.parse(line) as Partial<AuditRecord>;
    } catch {
      problems.push({ line: i + 1, problem: "not_json" });
      return;
    }
    if (r.v !== 1 || typeof r.chain !== "string" || typeof r.seq !== "number" || typeof r.prev !== "string") {
      problems.push({ line: i + 1, problem: "not_a_record" });
      return;
    }
    records++;
    const h = hash("sha256", line, "base64url");
    const s = state.get(r.chain);
    if (!s) {
      if (r.seq !== 0 && !opts.allowPartial) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "starts_mid_chain" });
      if (r.seq === 0 && r.prev !== "genesis") problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "prev_mismatch" });
    } else {
      if (r.seq !== s.seq + 1) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "gap_or_reorder" });
      else if (r.prev !== s.hash) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "prev_mismatch" });
    }
    state.set(r.chain, { seq: r.seq, hash: h });
  });
  return { ok: problems.length === 0, records, chains: state.size, problems };
}
