import { readFile, stat } from "node:fs/promises";
import type { Sensitivity } from "../model/sensitivity.js";
import { verifyAuditChain } from "../../lambda/core/audit.js";
import { matches, readRecord, type RecordFilter } from "./records.js";
import type { AuditSource, RecordPage, VerifiedRecord } from "./source.js";

interface Loaded {
  size: number;
  mtimeMs: number;
  /** Newest first. */
  records: VerifiedRecord[];
  byKey: Map<string, VerifiedRecord>;
}

/**
 * The local stack's audit file (one record per line, as the edge writes them) as an audit source.
 * The file is read where it is — no second copy — and re-read when its size or mtime changes; the
 * chain verifier runs over the same lines, so each record carries its verification status.
 */
export function fileAuditSource(file: string, sensitivityOf: (scope: string) => Sensitivity | undefined): AuditSource {
  let cache: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;

  async function load(): Promise<Loaded> {
    const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (!st) return { size: 0, mtimeMs: 0, records: [], byKey: new Map() };
    if (cache && cache.size === st.size && cache.mtimeMs === st.mtimeMs) return cache;
    const lines = (await readFile(file, "utf8")).split("\n");
    const verdict = verifyAuditChain(lines, { allowPartial: true });
    const problemsAt = new Map<number, string[]>();
    for (const p of verdict.problems) {
      if (p.line === undefined) continue;
      const list = problemsAt.get(p.line) ?? [];
      list.push(p.problem);
      problemsAt.set(p.line, list);
    }
    const inOrder: VerifiedRecord[] = [];
    const lastOfChain = new Map<string, VerifiedRecord>();
    const lengths = new Map<string, number>();
    lines.forEach((line, i) => {
      const r = readRecord(line.trim(), sensitivityOf);
      if (!r) return;
      const problems = [...(problemsAt.get(i + 1) ?? [])];
      const rec: VerifiedRecord = { ...r, verification: { status: problems.length ? "broken" : "verified", chainLength: 0, problems } };
      // A broken link to this record also puts its predecessor in doubt (it may be the edited one).
      const prev = lastOfChain.get(r.chain);
      if (prev && problems.includes("prev_mismatch")) {
        prev.verification.status = "broken";
        prev.verification.problems.push("next_record_prev_mismatch");
      }
      lastOfChain.set(r.chain, rec);
      lengths.set(r.chain, (lengths.get(r.chain) ?? 0) + 1);
      inOrder.push(rec);
    });
    for (const r of inOrder) r.verification.chainLength = lengths.get(r.chain) ?? 0;
    const records = inOrder.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : b.seq - a.seq));
    cache = { size: st.size, mtimeMs: st.mtimeMs, records, byKey: new Map(records.map((r) => [`${r.chain}\u0000${r.seq}`, r])) };
    return cache;
  }

  const current = async (): Promise<Loaded> => {
    loading ??= load().finally(() => (loading = undefined));
    return loading;
  };
  const visible = (r: VerifiedRecord, f: RecordFilter, tenant?: string): boolean => (tenant === undefined || r.tenant === tenant) && matches(r, f);

  return {
    async query(filter, tenant): Promise<RecordPage> {
      const { records } = await current();
      const hits = records.filter((r) => visible(r, filter, tenant));
      return { records: hits.slice(filter.offset, filter.offset + filter.limit), total: hits.length, offset: filter.offset, limit: filter.limit };
    },
    async exportRecords(filter, max, tenant) {
      const { records } = await current();
      const out: VerifiedRecord[] = [];
      for (const r of records) {
        if (out.length >= max) break;
        if (visible(r, filter, tenant)) out.push(r);
      }
      return out;
    },
    async record(chain, seq, tenant) {
      const r = (await current()).byKey.get(`${chain}\u0000${seq}`);
      return r && (tenant === undefined || r.tenant === tenant) ? r : undefined;
    },
  };
}
