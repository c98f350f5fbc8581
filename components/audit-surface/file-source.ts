import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import type { Sensitivity } from "../model/sensitivity.js";
import { verifyAuditChain } from "../../lambda/core/audit.js";
import { matches, readRecord, type RecordFilter } from "./records.js";
import type { AuditSource, RecordPage, VerifiedRecord } from "./source.js";

/**
 * The local stack's audit file (one record per line, as the edge writes them) as an audit source.
 *
 * The file is read where it is — no second copy on disk. The first query reads it, runs the chain
 * verifier over its lines (so each record carries its verification status) and builds an in-memory
 * index: the records in time order, and for each filterable value (user, client, agent, tool, scope,
 * server, tenant, decision, sensitivity) the positions of the records that have it. A query walks the
 * shortest matching list within the time range (binary search), newest first.
 *
 * Every chain must start at its first record (seq 0): the file is the whole log, not a time window,
 * so a chain whose first records were cut shows its first remaining record as broken.
 *
 * When the file's size or mtime changes and its last indexed bytes are as they were (the edge
 * appended), only the new complete lines are read, parsed and verified, each chain against its last
 * indexed record. Whether anything before them changed is checked in the background, at most every
 * `recheckSeconds`, with a SHA-256 of the indexed bytes; any other change (or a failed check) makes
 * the next query read, verify and index the whole file again, so an edited record shows as broken.
 */

interface Index {
  size: number;
  mtimeMs: number;
  /** Bytes indexed: up to the last complete line. */
  consumed: number;
  /** SHA-256 state over those bytes (copied to compare). */
  hash: Hash;
  /** The last indexed bytes (at most {@link TAIL_BYTES}): an append must leave them as they are. */
  tail: Buffer;
  /** When the indexed bytes were last checked whole (ms), and whether the file changed since. */
  checkedAt: number;
  changedSinceCheck: boolean;
  /** Oldest first: by time, then position in the chain. */
  recs: VerifiedRecord[];
  /** Each record's time (epoch ms), aligned with `recs`. */
  times: number[];
  /** Filter key → ascending positions in `recs`. */
  postings: Map<string, number[]>;
  byKey: Map<string, VerifiedRecord>;
  /** Each chain's last record in the file (and its line), to verify what is appended next. */
  lastOfChain: Map<string, { line: string; rec: VerifiedRecord }>;
  /** Records per chain. */
  lengths: Map<string, number>;
}

const EMPTY: readonly number[] = [];
/** Bytes before the indexed end compared on every append (more than a record line). */
const TAIL_BYTES = 4096;

/** The posting-list keys of a record (one per filterable value it has). */
function keysOf(r: VerifiedRecord): string[] {
  const keys = [`d\u0000${r.decision}`, `s\u0000${r.server}`];
  if (r.user !== undefined) keys.push(`u\u0000${r.user}`);
  if (r.client !== undefined) keys.push(`c\u0000${r.client}`);
  if (r.agent !== undefined) keys.push(`a\u0000${r.agent}`);
  if (r.tool !== undefined) keys.push(`t\u0000${r.tool}`);
  if (r.tenant !== undefined) keys.push(`n\u0000${r.tenant}`);
  if (r.would !== undefined) keys.push(`w\u0000${r.would}`);
  if (r.sensitivity !== undefined) keys.push(`l\u0000${r.sensitivity}`);
  for (const s of new Set([...(r.scopes ?? []), ...(r.missing ?? [])])) keys.push(`p\u0000${s}`);
  return keys;
}

/** The posting-list keys a filter (and tenant restriction) requires: a record must have all of them. */
function keysFor(f: RecordFilter, tenant?: string): string[] {
  const keys: string[] = [];
  if (f.decision === "would-deny") keys.push("w\u0000deny");
  else if (f.decision !== undefined) keys.push(`d\u0000${f.decision}`);
  if (f.server !== undefined) keys.push(`s\u0000${f.server}`);
  if (f.user !== undefined) keys.push(`u\u0000${f.user}`);
  if (f.client !== undefined) keys.push(`c\u0000${f.client}`);
  if (f.agent !== undefined) keys.push(`a\u0000${f.agent}`);
  if (f.tool !== undefined) keys.push(`t\u0000${f.tool}`);
  if (f.tenant !== undefined) keys.push(`n\u0000${f.tenant}`);
  if (tenant !== undefined) keys.push(`n\u0000${tenant}`);
  if (f.sensitivity !== undefined) keys.push(`l\u0000${f.sensitivity}`);
  if (f.scope !== undefined) keys.push(`p\u0000${f.scope}`);
  return keys;
}

/** First index in ascending `xs` whose value is ≥ `v` (or > `v` with `strict`). */
function bound(xs: readonly number[], v: number, strict = false): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = xs[mid]!;
    if (x < v || (strict && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const timeOf = (r: VerifiedRecord): number => {
  const t = Date.parse(r.ts);
  return Number.isNaN(t) ? 0 : t;
};
const before = (a: VerifiedRecord, ta: number, b: VerifiedRecord, tb: number): boolean => ta < tb || (ta === tb && a.seq < b.seq);

export interface FileSourceOptions {
  /**
   * When appended lines were indexed from the file's tail alone, how soon (at most) the bytes indexed
   * before are checked again against their SHA-256, in the background (default 30 s). 0 checks on
   * every change before answering.
   */
  recheckSeconds?: number;
  /** Clock, ms (tests). */
  now?: () => number;
}

export function fileAuditSource(file: string, sensitivityOf: (scope: string) => Sensitivity | undefined, opts: FileSourceOptions = {}): AuditSource {
  let cache: Index | undefined;
  let loading: Promise<Index> | undefined;
  /** Set when the indexed bytes changed: the next query reads the file whole. */
  let stale = false;
  let checking: Promise<void> | undefined;
  const now = opts.now ?? Date.now;
  const recheckMs = (opts.recheckSeconds ?? 30) * 1000;

  /**
   * Reads `lines` (complete lines of the file, in order), verifies them with the last indexed record
   * of each chain they continue, and returns their records (file order) for {@link place}.
   */
  function ingest(ix: Index, lines: string[]): VerifiedRecord[] {
    const read = lines.map((l) => readRecord(l.trim(), sensitivityOf));
    // Each chain's last indexed line first, so the first new record's link to it is checked too.
    const context: string[] = [];
    for (const chain of new Set(read.flatMap((r) => (r ? [r.chain] : [])))) {
      const last = ix.lastOfChain.get(chain);
      if (last) context.push(last.line);
    }
    // Not a time window: the file holds every chain from its first record (seq 0), so a chain that
    // starts mid-way lost its first records. (The context lines start mid-way by design; problems
    // reported on them are dropped below.)
    const verdict = verifyAuditChain([...context, ...lines]);
    const problemsAt = new Map<number, string[]>();
    for (const p of verdict.problems) {
      const i = p.line - 1 - context.length;
      if (i < 0) continue;
      const list = problemsAt.get(i) ?? [];
      list.push(p.problem);
      problemsAt.set(i, list);
    }
    const added: VerifiedRecord[] = [];
    read.forEach((r, i) => {
      if (!r) return;
      const problems = [...(problemsAt.get(i) ?? [])];
      const rec: VerifiedRecord = { ...r, verification: { status: problems.length ? "broken" : "verified", chainLength: 0, problems } };
      // A broken link to this record also puts its predecessor in doubt (it may be the edited one).
      const prev = ix.lastOfChain.get(r.chain);
      if (prev && problems.includes("prev_mismatch")) {
        prev.rec.verification.status = "broken";
        prev.rec.verification.problems.push("next_record_prev_mismatch");
      }
      ix.lastOfChain.set(r.chain, { line: lines[i]!.trim(), rec });
      ix.lengths.set(r.chain, (ix.lengths.get(r.chain) ?? 0) + 1);
      ix.byKey.set(`${r.chain}\u0000${r.seq}`, rec);
      added.push(rec);
    });
    return added;
  }

  /** Puts `added` (file order) into the time order and the posting lists; re-sorts only when they arrive out of order. */
  function place(ix: Index, added: VerifiedRecord[]): void {
    const times = added.map(timeOf);
    let inOrder = true;
    for (let i = 0; i < added.length && inOrder; i++) {
      const prev = i === 0 ? ix.recs.at(-1) : added[i - 1];
      const prevTime = i === 0 ? (ix.times.at(-1) ?? 0) : times[i - 1]!;
      if (prev && before(added[i]!, times[i]!, prev, prevTime)) inOrder = false;
    }
    if (inOrder) {
      for (let i = 0; i < added.length; i++) {
        const at = ix.recs.length;
        ix.recs.push(added[i]!);
        ix.times.push(times[i]!);
        for (const k of keysOf(added[i]!)) {
          const list = ix.postings.get(k);
          if (list) list.push(at);
          else ix.postings.set(k, [at]);
        }
      }
      return;
    }
    const all = ix.recs.map((r, i) => ({ r, t: ix.times[i]! })).concat(added.map((r, i) => ({ r, t: times[i]! })));
    all.sort((a, b) => a.t - b.t || a.r.seq - b.r.seq);
    ix.recs = all.map((x) => x.r);
    ix.times = all.map((x) => x.t);
    ix.postings = new Map();
    ix.recs.forEach((r, at) => {
      for (const k of keysOf(r)) {
        const list = ix.postings.get(k);
        if (list) list.push(at);
        else ix.postings.set(k, [at]);
      }
    });
  }

  /** Indexes `bytes` (complete lines) that follow what `ix` has indexed. */
  function extend(ix: Index, bytes: Buffer, st: { size: number; mtimeMs: number }): void {
    if (bytes.length > 0) {
      const lines = bytes.toString("utf8").split("\n");
      lines.pop(); // after the last "\n"
      place(ix, ingest(ix, lines));
      ix.hash.update(bytes);
      ix.consumed += bytes.length;
      ix.tail = bytes.length >= TAIL_BYTES ? Buffer.from(bytes.subarray(bytes.length - TAIL_BYTES)) : Buffer.concat([ix.tail, bytes]).subarray(-TAIL_BYTES);
    }
    ix.size = st.size;
    ix.mtimeMs = st.mtimeMs;
  }

  /** Whether the file's first `consumed` bytes still hash to `digest` (read in chunks, no whole-file buffer). */
  async function unchanged(consumed: number, digest: string): Promise<boolean> {
    const h = createHash("sha256");
    for await (const chunk of createReadStream(file, { start: 0, end: consumed - 1, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    return h.digest("base64url") === digest;
  }

  /**
   * After indexing a change from the tail alone: checks that nothing before it changed (SHA-256 of the
   * indexed bytes), at most every `recheckSeconds`, in the background; a mismatch makes the next query
   * read and verify the whole file. With `recheckSeconds: 0`, checks before answering.
   */
  async function recheck(ix: Index): Promise<void> {
    if (!ix.changedSinceCheck || checking || now() - ix.checkedAt < recheckMs) return;
    ix.changedSinceCheck = false;
    ix.checkedAt = now();
    const run = unchanged(ix.consumed, ix.hash.copy().digest("base64url")).then(
      (same) => void (same || (stale = true)),
      () => void (stale = true),
    );
    checking = run.finally(() => (checking = undefined));
    if (recheckMs === 0) await checking;
  }

  async function load(): Promise<Index> {
    const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    const fresh = (): Index => ({ size: 0, mtimeMs: 0, consumed: 0, hash: createHash("sha256"), tail: Buffer.alloc(0), checkedAt: now(), changedSinceCheck: false, recs: [], times: [], postings: new Map(), byKey: new Map(), lastOfChain: new Map(), lengths: new Map() });
    if (!st) return (cache = fresh());
    const ix = cache;
    if (ix && !stale) {
      if (ix.size !== st.size || ix.mtimeMs !== st.mtimeMs) {
        if (st.size >= ix.consumed) {
          // The edge appends: read the indexed tail and what follows; if the tail is as indexed, index only the new lines.
          const from = ix.consumed - ix.tail.length;
          const fh = await open(file, "r");
          let got: Buffer;
          try {
            const buf = Buffer.alloc(Math.max(0, st.size - from));
            got = buf.subarray(0, (await fh.read(buf, 0, buf.length, from)).bytesRead);
          } finally {
            await fh.close();
          }
          if (got.length >= ix.tail.length && got.subarray(0, ix.tail.length).equals(ix.tail)) {
            const rest = got.subarray(ix.tail.length);
            extend(ix, rest.subarray(0, rest.lastIndexOf(0x0a) + 1), st);
            ix.changedSinceCheck = true;
          } else stale = true;
        } else stale = true;
      }
      if (!stale) await recheck(ix);
      if (!stale) return ix;
    }
    // First read, or the file changed before what is indexed: read, verify and index it whole.
    stale = false;
    const buf = await readFile(file);
    const whole = fresh();
    extend(whole, buf.subarray(0, buf.lastIndexOf(0x0a) + 1), st);
    cache = whole;
    return whole;
  }

  const current = async (): Promise<Index> => {
    loading ??= load().finally(() => (loading = undefined));
    return loading;
  };

  /** Walks the records matching `f` newest first; `visit` returns false to stop. */
  function walk(ix: Index, f: RecordFilter, tenant: string | undefined, visit: (r: VerifiedRecord) => boolean): void {
    const n = ix.recs.length;
    const lo = f.from !== undefined ? bound(ix.times, Date.parse(f.from)) : 0;
    const hi = f.to !== undefined ? bound(ix.times, Date.parse(f.to), true) : n;
    if (lo >= hi) return;
    const rest: RecordFilter = { ...f, from: undefined, to: undefined } as RecordFilter;
    const ok = (r: VerifiedRecord): boolean => (tenant === undefined || r.tenant === tenant) && matches(r, rest);
    let list: readonly number[] | undefined;
    for (const k of keysFor(f, tenant)) {
      const l = ix.postings.get(k) ?? EMPTY;
      if (list === undefined || l.length < list.length) list = l;
    }
    if (list === undefined) {
      for (let i = hi - 1; i >= lo; i--) if (ok(ix.recs[i]!) && !visit(ix.recs[i]!)) return;
      return;
    }
    const a = bound(list, lo);
    for (let j = bound(list, hi) - 1; j >= a; j--) {
      const r = ix.recs[list[j]!]!;
      if (ok(r) && !visit(r)) return;
    }
  }
  const withLength = (ix: Index, r: VerifiedRecord): VerifiedRecord => {
    r.verification.chainLength = ix.lengths.get(r.chain) ?? 0;
    return r;
  };

  return {
    async query(filter, tenant): Promise<RecordPage> {
      const ix = await current();
      const records: VerifiedRecord[] = [];
      let total = 0;
      const end = filter.offset + filter.limit;
      walk(ix, filter, tenant, (r) => {
        if (total >= filter.offset && total < end) records.push(withLength(ix, r));
        total++;
        return true;
      });
      return { records, total, offset: filter.offset, limit: filter.limit };
    },
    async exportRecords(filter, max, tenant) {
      const ix = await current();
      const out: VerifiedRecord[] = [];
      walk(ix, filter, tenant, (r) => {
        if (out.length >= max) return false;
        out.push(withLength(ix, r));
        return true;
      });
      return out;
    },
    async record(chain, seq, tenant) {
      const ix = await current();
      const r = ix.byKey.get(`${chain}\u0000${seq}`);
      return r && (tenant === undefined || r.tenant === tenant) ? withLength(ix, r) : undefined;
    },
  };
}
