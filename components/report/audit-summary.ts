import type { AuditEvidence } from "./types.js";

/** What a chain verifier says about the same lines (`verifyAuditChain`). */
export interface ChainVerdict {
  ok: boolean;
  chains: number;
  problems: ReadonlyArray<{ line?: number; chain?: string; seq?: number; problem: string }>;
}

interface RecordLike {
  chain?: unknown;
  ts?: unknown;
  server?: unknown;
  decision?: unknown;
  reason?: unknown;
  would?: unknown;
}

const byCount = <T extends { count: number }>(key: (x: T) => string) => (a: T, b: T): number => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * Summarizes an audit export (one JSON record per line, as the edge writes them) for the report:
 * decisions, denials by reason, would-be denials of observe-mode servers, time span, and the chain
 * verifier's verdict on the same lines. Lines that are not audit records are skipped here (the
 * verifier reports them).
 */
export function summarizeAuditRecords(lines: readonly string[], verdict: ChainVerdict, opts: { partial?: boolean } = {}): AuditEvidence {
  let records = 0;
  const decisions = { allow: 0, deny: 0 };
  const reasons = new Map<string, number>();
  const would = new Map<string, { server: string; reason: string; count: number }>();
  let from: string | undefined;
  let to: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith("{")) continue;
    let r: RecordLike;
    try {
      r = JSON.parse(line) as RecordLike;
    } catch {
      continue;
    }
    if (typeof r.chain !== "string" || (r.decision !== "allow" && r.decision !== "deny")) continue;
    records++;
    decisions[r.decision]++;
    const reason = typeof r.reason === "string" ? r.reason : "unknown";
    if (r.decision === "deny") reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    if (r.would === "deny") {
      const server = typeof r.server === "string" ? r.server : "unknown";
      const key = `${server}\u0000${reason}`;
      const w = would.get(key) ?? { server, reason, count: 0 };
      w.count++;
      would.set(key, w);
    }
    if (typeof r.ts === "string") {
      if (from === undefined || r.ts < from) from = r.ts;
      if (to === undefined || r.ts > to) to = r.ts;
    }
  }
  return {
    records,
    chains: verdict.chains,
    verified: verdict.ok,
    ...(opts.partial ? { partial: true as const } : {}),
    problems: verdict.problems.map((p) => [p.problem, p.chain ? `chain ${p.chain}` : undefined, p.seq !== undefined ? `seq ${p.seq}` : undefined, p.line !== undefined ? `line ${p.line}` : undefined].filter(Boolean).join(" ")),
    decisions,
    denialsByReason: [...reasons].map(([reason, count]) => ({ reason, count })).sort(byCount((x) => x.reason)),
    wouldDeny: [...would.values()].sort(byCount((x) => `${x.server} ${x.reason}`)),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}
