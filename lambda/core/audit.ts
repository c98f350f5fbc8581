import { Checkpointer, type CheckpointOptions } from "./checkpoint.js";
import { nodeCrypto } from "./node.js";
import { isoTime } from "./time.js";

const { hash, randomUUID, createHmac, randomBytes } = nodeCrypto;

/**
 * Audit records: one JSON object per decision, chained (sequence number + hash of the previous
 * record) so that a gap, a reordering or an edited record is detectable by `verifyAuditChain`.
 * The chain alone does not stop someone who can rewrite the whole log from recomputing it; signed
 * checkpoints kept elsewhere (checkpoint.ts) do. Never holds a token or a secret; parameter values
 * are keyed hashes (HMAC-SHA-256 with a per-deployment secret), so a guessable value such as a
 * customer id cannot be recovered by hashing candidates (MCP best practices, "Log elevation events
 * … with correlation IDs", RS-25).
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
  /** ISO 8601 with milliseconds: the time of the decision. */
  ts: string;
  server: string;
  decision: "allow" | "deny";
  /**
   * `deny` when the server is in observe mode and the request was forwarded although enforcement
   * would have refused it; `status` and `reason` are then those of the refusal.
   */
  would?: "deny" | undefined;
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
  /** Parameter keys with keyed-hash (or redacted/raw, per option) values. */
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

/** How parameter values appear in records: keyed hash (default), keys only, or raw (dev only). */
export type ParamMode = "hash" | "keys" | "raw";

/** SHA-256 block size (RFC 2104's B), bytes. */
const BLOCK = 64;
/** Room for a value after the inner pad; longer values (rare in audit records) go through `createHmac`. */
const ROOM = 1024;

/**
 * Keyed hashing of parameter values: HMAC-SHA-256 under a per-deployment secret (RFC 2104).
 *
 * Computed as RFC 2104 defines it, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text)), with two one-shot
 * `crypto.hash` calls over preallocated padded-key buffers: about 0.5 µs less per value than a
 * `createHmac` object (which sets up a stream and a handle each time), and no secret-key import at
 * a cold start. Values longer than the buffer's room use `createHmac`. Differentially tested against
 * `createHmac` (test/edge/fast-paths.test.ts).
 */
export class ParamHasher {
  readonly mode = "hash" as const;
  #key: Buffer;
  /** K ⊕ ipad, then room for the value's UTF-8 bytes. */
  #inner: Buffer;
  /** K ⊕ opad, then the inner hash. */
  #outer: Buffer;
  /** `#inner.subarray(0, BLOCK + n)` by value length `n`, made once per length (no view allocated per value). */
  #views: Buffer[] = [];
  /** Whether `paramTexts` leaves the hashing to `AuditChain` (after the response with `defer`). */
  readonly deferred: boolean;
  /**
   * @param secret at least 32 bytes (a string is taken as UTF-8). Without one, a random key per
   * process: values are then unrecoverable but cannot be correlated across instances.
   * @param opts.deferred leave the hashing to `AuditChain` (see `paramTexts`).
   */
  constructor(secret?: string | Uint8Array, opts: { deferred?: boolean } = {}) {
    this.deferred = opts.deferred === true;
    const bytes = secret === undefined ? randomBytes(32) : typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
    if (bytes.length < 32) throw new Error("audit HMAC key (auditHmacKey, env MCP_EDGE_AUDIT_HMAC_KEY): needs at least 32 bytes (e.g. `openssl rand -base64 32`)");
    this.#key = bytes;
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with zeros.
    const k = Buffer.alloc(BLOCK);
    (bytes.length > BLOCK ? hash("sha256", bytes, "buffer") : bytes).copy(k);
    this.#inner = Buffer.alloc(BLOCK + ROOM);
    this.#outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      this.#inner[i] = k[i]! ^ 0x36;
      this.#outer[i] = k[i]! ^ 0x5c;
    }
    k.fill(0);
  }
  /** `hmac:` + the first 22 base64url characters (128 bits) of HMAC-SHA-256 (RFC 2104). */
  digest(text: string): string {
    let mac: string;
    // At most 3 UTF-8 bytes per UTF-16 code unit: a value this short always fits.
    if (text.length <= ROOM / 3) {
      const inner = this.#inner;
      // ASCII (the usual argument value) is its own UTF-8: copied code unit by code unit, cheaper than
      // `Buffer.write` for short values. Anything else is encoded by `Buffer.write`, whose UTF-8 (a
      // lone surrogate becomes U+FFFD) is what `createHmac` hashes too.
      let n = text.length;
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) {
          n = inner.write(text, BLOCK, "utf8");
          break;
        }
        inner[BLOCK + i] = c;
      }
      // The inner hash as a binary (latin1) string, one character per byte, written back as bytes: a
      // Buffer result (`"buffer"`) costs about 0.4 µs more.
      this.#outer.write(hash("sha256", (this.#views[n] ??= inner.subarray(0, BLOCK + n)), "binary"), BLOCK, "latin1");
      mac = hash("sha256", this.#outer, "base64url");
    } else {
      mac = createHmac("sha256", this.#key).update(text).digest("base64url");
    }
    return `hmac:${mac.slice(0, 22)}`;
  }
}

/**
 * Parameter keys with values hashed under `mode` (a `ParamHasher`), or per the named mode. Values
 * are hashed here even under a `deferred` hasher: deferring is `Authorizer`'s (`paramTexts`, with
 * the hasher handed to `AuditChain.write`), so raw values never reach a record otherwise.
 */
export function sanitizeParams(args: unknown, mode: ParamMode | ParamHasher): Record<string, string> | undefined {
  const out = paramTexts(args, mode);
  if (out && typeof mode === "object" && mode.deferred) hashValues(out, mode);
  return out;
}
let processHasher: ParamHasher | undefined;

/**
 * `sanitizeParams` that leaves the values raw under a `deferred` hasher: whoever puts them in a
 * record passes that hasher to `AuditChain.write` with it (`Authorizer` does), which hashes them
 * before the record is serialised (after the response with `defer`).
 */
export function paramTexts(args: unknown, mode: ParamMode | ParamHasher): Record<string, string> | undefined {
  if (typeof args !== "object" || args === null || Array.isArray(args)) return undefined;
  const out: Record<string, string> = {};
  const a = args as Record<string, unknown>;
  // A bare "hash" (no deployment key given) still gets a keyed hash, under a per-process key.
  const hasher = typeof mode === "object" ? mode : mode === "hash" ? (processHasher ??= new ParamHasher()) : undefined;
  for (const k of Object.keys(a)) {
    const v = a[k];
    const text = mode === "keys" ? "" : typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined");
    out[k] = hasher && !hasher.deferred ? hasher.digest(text) : text;
  }
  return out;
}

/** Hashes every value of `p` in place. */
function hashValues(p: Record<string, string>, h: ParamHasher): void {
  for (const k in p) p[k] = h.digest(p[k]!);
}

/** Options of `AuditChain`. */
export interface AuditChainOptions {
  /** Chain id. Default a random UUID. */
  chain?: string | undefined;
  /** Signed checkpoints (recommended): without them the chain only shows edits to a log that was not rewritten wholesale. */
  checkpoints?: CheckpointOptions | undefined;
  /**
   * Defer serialisation, chaining and checkpoint signing until `drain()` (the edge's after-response
   * hook). Records keep the time of their decision. Default false (written inside `write`).
   */
  defer?: boolean | undefined;
  /** Reports a checkpoint that could not be signed or written (never a record's content). */
  onError?: ((e: unknown) => void) | undefined;
}

/**
 * Where an `AuditChain` writes: a function called once per record with its JSON line (no newline)
 * and the record, or a text sink (`{ text }`) called with newline-terminated lines: once per record
 * when records are written as they are made, once per `drain()` with every line it wrote (one
 * `write` system call for the queued records instead of one per record).
 */
export type AuditSink = ((line: string, record: AuditRecord) => void) | { text: (lines: string) => void };

/** Records queued in deferred mode before `write` drains them itself (bounded memory). */
const MAX_DEFERRED = 256;

/** Builds chained records. Each instance is one chain. */
export class AuditChain {
  readonly chain: string;
  #seq = 0;
  #prev = "genesis";
  #tsMs = Number.NaN;
  #tsIso = "";
  #queue: Array<[AuditFields, number, ParamHasher | undefined]> = [];
  #defer: boolean;
  #checkpoints: Checkpointer | undefined;
  /** Per-record sink, when the sink is one. */
  #perRecord: ((line: string, record: AuditRecord) => void) | undefined;
  /** Text sink, when the sink is one. */
  #text: ((lines: string) => void) | undefined;
  constructor(sink: AuditSink, opts: AuditChainOptions | string = {}) {
    const o = typeof opts === "string" ? { chain: opts } : opts;
    if (typeof sink === "function") this.#perRecord = sink;
    else this.#text = sink.text;
    this.chain = o.chain ?? randomUUID();
    this.#defer = o.defer === true;
    this.#checkpoints = o.checkpoints ? new Checkpointer(this.chain, o.checkpoints, o.onError ?? (() => undefined)) : undefined;
  }

  /**
   * Records a decision: written now, or queued for `drain()` in deferred mode. @param nowMs epoch ms.
   * @param unhashedUnder the deferred hasher whose raw values (`paramTexts`) the record's params (and
   * its batch's) still hold: they are hashed under it before the record is serialised.
   */
  write(f: AuditFields, nowMs: number, unhashedUnder?: ParamHasher): void {
    if (!this.#defer) {
      const line = this.#emit(f, nowMs, unhashedUnder);
      if (this.#text) this.#text(`${line}\n`);
      return;
    }
    this.#queue.push([f, nowMs, unhashedUnder]);
    if (this.#queue.length >= MAX_DEFERRED) void this.drain();
  }

  /** Records waiting for `drain()`. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Writes queued records, then waits for the checkpoints they made due (signing may be remote).
   * Cheap when nothing is pending. Never rejects: checkpoint failures go to `onError`.
   */
  drain(nowMs: number = Date.now()): Promise<void> {
    const q = this.#queue;
    if (this.#text && q.length > 0) {
      // One write for the drained records (newline-terminated lines, in chain order).
      let text = "";
      for (let i = 0; i < q.length; i++) text += `${this.#emit(q[i]![0], q[i]![1], q[i]![2])}\n`;
      q.length = 0;
      this.#text(text);
    } else {
      for (let i = 0; i < q.length; i++) this.#emit(q[i]![0], q[i]![1], q[i]![2]);
      q.length = 0;
    }
    if (!this.#checkpoints) return Promise.resolve();
    this.#checkpoints.tick(this.#seq - 1, this.#prev, nowMs);
    return this.#checkpoints.idle();
  }

  /** Drains, then seals the chain's head with a checkpoint (shutdown, periodic flush). */
  async flush(nowMs: number = Date.now()): Promise<void> {
    await this.drain(nowMs);
    if (this.#checkpoints && this.#seq > 0) {
      this.#checkpoints.seal(this.#seq - 1, this.#prev, "flush", nowMs);
      await this.#checkpoints.idle();
    }
  }

  /** Builds, chains and (per-record sink) writes one record; returns its line. */
  #emit(f: AuditFields, nowMs: number, unhashedUnder: ParamHasher | undefined): string {
    if (unhashedUnder) {
      if (f.params) hashValues(f.params, unhashedUnder);
      if (f.batch) for (const b of f.batch) if (b.params) hashValues(b.params, unhashedUnder);
    }
    // Built field by field in one fixed order (one hidden class; much cheaper than object spread).
    const record: AuditRecord = {
      v: 1,
      chain: this.chain,
      seq: this.#seq,
      prev: this.#prev,
      ts: nowMs === this.#tsMs ? this.#tsIso : ((this.#tsMs = nowMs), (this.#tsIso = isoTime(nowMs))),
      server: f.server,
      decision: f.decision,
      would: f.would,
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
    const seq = this.#seq++;
    this.#prev = hash("sha256", line, "base64url");
    this.#perRecord?.(line, record);
    this.#checkpoints?.recorded(seq, this.#prev, nowMs);
    return line;
  }
}

export { verifyAuditChain } from "./audit-verify.js";
export type { ChainProblem, VerifyOptions, VerifyResult } from "./audit-verify.js";
