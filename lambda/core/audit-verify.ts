import type { KeyObject } from "node:crypto";
import type { AuditRecord } from "./audit.js";
import { checkpointBody, checkpointLine, keyThumbprint, type Checkpoint } from "./checkpoint.js";
import { nodeCrypto } from "./node.js";

const { hash, verify } = nodeCrypto;

/** A problem found in a chain or its checkpoints. `line` is 1-based in the file it names. */
export interface ChainProblem {
  line: number;
  /** `records` (default) or `checkpoints`: the file the line is in. */
  file?: "records" | "checkpoints";
  chain?: string;
  seq?: number;
  problem:
    | "not_json"
    | "not_a_record"
    | "gap_or_reorder"
    | "prev_mismatch"
    | "starts_mid_chain"
    /** A record's line hash differs from the head a signed checkpoint recorded: the record was edited. */
    | "edited"
    /** A checkpoint covers records the export does not have: the chain's tail was cut. */
    | "truncated"
    /** A chain registered in the checkpoints has no record in the export: the whole chain was removed. */
    | "missing_chain"
    /** Records of a chain no start checkpoint registered. */
    | "unregistered_chain"
    /** A checkpoint was removed, or more than the writer's interval of records has none. */
    | "missing_checkpoint"
    /** A checkpoint whose signature does not verify with any given key. */
    | "bad_signature"
    | "not_a_checkpoint"
    /** The export holds no audit record at all (a wrong file, or a log emptied): nothing was verified. */
    | "no_records";
}

export interface VerifyOptions {
  /** Accept chains that start mid-way and do not require every registered chain (a time-window export). */
  allowPartial?: boolean;
  /** Checkpoint lines (the separate checkpoint log). Without them only the hash chain is checked. */
  checkpoints?: readonly string[];
  /** Public keys the checkpoints must be signed with. Without them signatures are not checked. */
  keys?: readonly KeyObject[];
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  chains: number;
  checkpoints: number;
  /** Whether checkpoint signatures were checked (keys given). */
  signaturesChecked: boolean;
  /** Per chain, records after its last checkpoint: not covered by a signature yet (a cut there is not detectable). */
  unsealed: Array<{ chain: string; from: number; to: number }>;
  problems: ChainProblem[];
}

interface ChainState {
  first: number;
  seq: number;
  hash: string;
  /** Line hash by seq (only where a checkpoint needs it). */
  hashes: Map<number, string>;
}

/**
 * Verifies audit lines (in emitted order, possibly several chains interleaved): every record of a
 * chain has seq = previous + 1 and `prev` = hash of the previous line. With `checkpoints`: every
 * checkpoint's head equals the hash of the record it names (else `edited`), the export reaches each
 * checkpoint's seq (else `truncated`), every registered chain has records (`missing_chain`), every
 * chain is registered (`unregistered_chain`), checkpoints form an unbroken chain and no more than
 * twice the writer's interval of records goes without one (`missing_checkpoint`), and with `keys`
 * every signature verifies (`bad_signature`).
 */
export function verifyAuditChain(lines: readonly string[], opts: VerifyOptions = {}): VerifyResult {
  const chains = new Map<string, ChainState>();
  const problems: ChainProblem[] = [];
  const cps = parseCheckpoints(opts.checkpoints ?? [], opts.keys, problems);
  const wanted = new Map<string, Set<number>>();
  for (const [chain, list] of cps) wanted.set(chain, new Set(list.map((c) => c.cp.seq)));
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
    const s = chains.get(r.chain);
    if (!s) {
      if (r.seq !== 0 && !opts.allowPartial) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "starts_mid_chain" });
      if (r.seq === 0 && r.prev !== "genesis") problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "prev_mismatch" });
      chains.set(r.chain, { first: r.seq, seq: r.seq, hash: h, hashes: new Map() });
    } else {
      if (r.seq !== s.seq + 1) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "gap_or_reorder" });
      else if (r.prev !== s.hash) problems.push({ line: i + 1, chain: r.chain, seq: r.seq, problem: "prev_mismatch" });
      s.seq = r.seq;
      s.hash = h;
    }
    if (wanted.get(r.chain)?.has(r.seq)) chains.get(r.chain)!.hashes.set(r.seq, h);
  });

  const unsealed: VerifyResult["unsealed"] = [];
  if (opts.checkpoints) {
    for (const [chain, s] of chains) {
      const list = cps.get(chain);
      if (!list) {
        problems.push({ line: 0, chain, problem: "unregistered_chain" });
        continue;
      }
      let last = -1;
      for (const { cp, line } of list) {
        if (cp.seq < 0) continue;
        last = Math.max(last, cp.seq);
        if (cp.seq > s.seq) {
          if (!opts.allowPartial) problems.push({ line, file: "checkpoints", chain, seq: cp.seq, problem: "truncated" });
          continue;
        }
        const h = s.hashes.get(cp.seq);
        if (h !== undefined && h !== cp.head) problems.push({ line, file: "checkpoints", chain, seq: cp.seq, problem: "edited" });
      }
      const every = list[0]!.cp.every;
      if (s.seq > last) {
        unsealed.push({ chain, from: last + 1, to: s.seq });
        // The writer checkpoints every `every` records; a crash may leave up to `every` more unsealed.
        if (s.seq - last > 2 * every) problems.push({ line: 0, chain, seq: last + 1, problem: "missing_checkpoint" });
      }
    }
    if (!opts.allowPartial) {
      for (const [chain, list] of cps) if (!chains.has(chain)) problems.push({ line: list[0]!.line, file: "checkpoints", chain, problem: "missing_chain" });
    }
  }
  // An export with no record proves nothing (a wrong file, an emptied log): never "intact". A time
  // window (`allowPartial`) may be legitimately empty.
  if (records === 0 && !opts.allowPartial) problems.push({ line: 0, problem: "no_records" });
  let checkpoints = 0;
  for (const list of cps.values()) checkpoints += list.length;
  return { ok: problems.length === 0, records, chains: chains.size, checkpoints, signaturesChecked: (opts.keys?.length ?? 0) > 0, unsealed, problems };
}

/** Parses and checks checkpoint lines: shape, signature, and each chain's unbroken checkpoint chain. */
function parseCheckpoints(lines: readonly string[], keys: readonly KeyObject[] | undefined, problems: ChainProblem[]) {
  const byChain = new Map<string, Array<{ cp: Checkpoint; line: number }>>();
  const state = new Map<string, { cseq: number; hash: string; seq: number }>();
  const byKid = new Map((keys ?? []).map((k) => [keyThumbprint(k), k] as const));
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    let c: Checkpoint;
    try {
      c = JSON.parse(raw) as Checkpoint;
    } catch {
      problems.push({ line: i + 1, file: "checkpoints", problem: "not_json" });
      return;
    }
    if (c?.type !== "checkpoint" || c.v !== 1 || typeof c.chain !== "string" || !Number.isInteger(c.cseq) || !Number.isInteger(c.seq) || !Number.isInteger(c.every) || c.every < 1 || typeof c.head !== "string" || typeof c.sig !== "string") {
      problems.push({ line: i + 1, file: "checkpoints", problem: "not_a_checkpoint" });
      return;
    }
    if (keys && keys.length > 0 && !signatureOk(c, byKid, keys)) {
      problems.push({ line: i + 1, file: "checkpoints", chain: c.chain, seq: c.seq, problem: "bad_signature" });
      return;
    }
    const h = hash("sha256", checkpointLine(c), "base64url");
    const s = state.get(c.chain);
    const intact = s ? c.cseq === s.cseq + 1 && c.prev === s.hash && c.seq >= s.seq && c.seq - s.seq <= c.every : c.cseq === 0 && c.seq === -1 && c.prev === "genesis";
    if (!intact) problems.push({ line: i + 1, file: "checkpoints", chain: c.chain, seq: c.seq, problem: "missing_checkpoint" });
    state.set(c.chain, { cseq: c.cseq, hash: h, seq: c.seq });
    const list = byChain.get(c.chain) ?? [];
    list.push({ cp: c, line: i + 1 });
    byChain.set(c.chain, list);
  });
  return byChain;
}

function signatureOk(c: Checkpoint, byKid: Map<string, KeyObject>, keys: readonly KeyObject[]): boolean {
  if (c.alg !== "ECDSA_SHA_256") return false;
  const data = Buffer.from(checkpointBody(c));
  const sig = Buffer.from(c.sig, "base64url");
  // A key file's thumbprint names its key; a KMS key id does not, so every key is tried.
  const candidates = byKid.has(c.kid) ? [byKid.get(c.kid)!] : keys;
  return candidates.some((k) => {
    try {
      return verify("sha256", data, { key: k, dsaEncoding: "der" }, sig);
    } catch {
      return false;
    }
  });
}
