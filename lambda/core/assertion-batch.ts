import { payloadJson, type AssertionSigner, type BatchSigner } from "./assertion.js";
import { nodeCrypto } from "./node.js";

const { hash, randomUUID } = nodeCrypto;

/**
 * Batched identity assertions (`upstreamAssertion: "batched"`): the assertions of the requests an
 * edge process forwards in one event-loop turn share one signature, made over the root of a Merkle
 * tree whose leaves are their payloads. Each request still gets its own assertion naming only that
 * request (its claims are its own, its `jti` unique); next to its payload it carries the inclusion
 * proof that links the payload to the signed root. Under concurrent load this replaces one signature
 * per request (tens of microseconds) with a few SHA-256 computations per request.
 *
 * The tree, its leaf and node hashes and the inclusion proof are those of RFC 9162 §2.1 (Certificate
 * Transparency 2.0): leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right), the split at
 * the largest power of two below the size, and the proof verified as §2.1.3.2 writes it. The same
 * construction amortises handshake signatures in the TLS batch-signing draft
 * (draft-ietf-tls-batch-signing).
 *
 * Wire format: a compact JWS (RFC 7515) whose protected header marks the extension critical
 * (`"crit": ["mcp_batch"]`, RFC 7515 §4.1.11), so a JWT library that does not know it refuses the
 * token instead of misreading it:
 *
 *   header    {"alg","kid","typ":"mcp-edge+jwt","crit":["mcp_batch"],"mcp_batch":{"n","i","path"}}
 *   payload   the request's claims, exactly as an unbatched assertion carries them
 *   signature over batchRootMessage(alg, kid, typ, n, root), where root is the tree hash of the
 *             batch and the leaf of this assertion is SHA-256(0x00 ‖ ASCII(BASE64URL(payload)))
 *
 * `n` is the batch size, `i` this assertion's leaf index, `path` its inclusion proof (base64url
 * SHA-256 values, leaf to root). The signed message starts with `[`, which no JWS signing input
 * (base64url) can, so a batch signature can never pass as the signature of an ordinary JWS.
 */

/** The JWS header parameter (and `crit` entry) of a batched assertion. */
export const BATCH_PARAM = "mcp_batch";
/** Largest batch: a proof then holds at most six hashes. A busier turn is split into several batches. */
export const BATCH_MAX = 64;
/**
 * Default bound, in milliseconds, on how long a batch's first assertion waits for others before the
 * next request to arrive signs the batch (bench/results/gateway.md compares bounds).
 */
export const BATCH_MAX_WAIT_MS = 0.25;
/** Most hashes an inclusion proof holds: the height of a tree of `BATCH_MAX` leaves. */
export const MAX_PROOF = Math.ceil(Math.log2(BATCH_MAX));
/** Identifies the signed message of a batch (versioned, so the format can change without ambiguity). */
export const BATCH_CONTEXT = "mcp-edge-assertion-batch/1";

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 9162 §2.1.1 leaf hash of one assertion payload (its base64url text, as it travels). */
export function leafHash(payloadB64: string): Buffer {
  return hash("sha256", Buffer.concat([LEAF_PREFIX, Buffer.from(payloadB64, "latin1")]), "buffer");
}

/** RFC 9162 §2.1.1 interior node hash. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash("sha256", Buffer.concat([NODE_PREFIX, left, right]), "buffer");
}

/** The bytes a batch signature covers: what the verifier reconstructs from the header and the proof. */
export function batchRootMessage(alg: string, kid: string | undefined, typ: string, size: number, root: Buffer): Buffer {
  return Buffer.from(JSON.stringify([BATCH_CONTEXT, alg, kid ?? null, typ, size, root.toString("base64url")]));
}

/** Largest power of two strictly below `n` (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

/**
 * The tree hash of `leaves` (RFC 9162 §2.1.1) and every leaf's inclusion proof (§2.1.3.1), each
 * ordered from the leaf up.
 */
export function merkleTree(leaves: readonly Buffer[]): { root: Buffer; paths: Buffer[][] } {
  if (leaves.length === 0) throw new Error("merkleTree: no leaves");
  const paths: Buffer[][] = leaves.map(() => []);
  const build = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    const mid = lo + split(hi - lo);
    const left = build(lo, mid);
    const right = build(mid, hi);
    for (let j = lo; j < mid; j++) paths[j]!.push(right);
    for (let j = mid; j < hi; j++) paths[j]!.push(left);
    return nodeHash(left, right);
  };
  return { root: build(0, leaves.length), paths };
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or undefined when the proof does not
 * fit a tree of `size` leaves (wrong length, index out of range).
 */
export function rootFromProof(leaf: Buffer, index: number, size: number, path: readonly Buffer[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

interface Pending {
  payload: string;
  resolve: (assertion: string) => void;
  reject: (e: unknown) => void;
}

/** Runs `f` after the I/O callbacks of the current event-loop turn (setImmediate where the runtime has it). */
const afterThisTurn: (f: () => void) => void =
  typeof setImmediate === "function" ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

/**
 * Collects the assertions asked for during one event-loop turn and signs them together when the
 * turn's I/O callbacks have run, at once when `max` are waiting, or when a request arrives and the
 * batch's first assertion has waited `maxWaitMs` (a busy turn can run for milliseconds; the bound
 * keeps a request from waiting for all of it). A batch of one is still a batched assertion, so an
 * upstream that cannot verify the format fails on the first request, not only under load.
 */
export class AssertionBatcher implements BatchSigner {
  readonly #signer: AssertionSigner;
  readonly #headerStart: string;
  #queue: Pending[] = [];
  #scheduled = false;
  /** `performance.now()` when the open batch's first assertion was asked for. */
  #openedAt = 0;
  readonly #max: number;
  readonly #maxWaitMs: number;

  /**
   * `max`: most assertions per signature (1 to `BATCH_MAX`, default `BATCH_MAX`); a full batch is
   * signed at once. `maxWaitMs`: a batch whose first assertion has waited this long is signed when
   * the next one is asked for (default `BATCH_MAX_WAIT_MS`; 0 signs every assertion at once).
   */
  constructor(signer: AssertionSigner, opts: { max?: number; maxWaitMs?: number } = {}) {
    const max = opts.max ?? BATCH_MAX;
    if (!Number.isInteger(max) || max < 1 || max > BATCH_MAX) throw new Error(`AssertionBatcher: max must be an integer from 1 to ${BATCH_MAX}`);
    const wait = opts.maxWaitMs ?? BATCH_MAX_WAIT_MS;
    if (!(wait >= 0 && wait <= 1000)) throw new Error("AssertionBatcher: maxWaitMs must be a number of milliseconds from 0 to 1000");
    this.#max = max;
    this.#maxWaitMs = wait;
    this.#signer = signer;
    const h = JSON.stringify({ alg: signer.algorithm, kid: signer.keyId, typ: "mcp-edge+jwt", crit: [BATCH_PARAM] });
    this.#headerStart = `${h.slice(0, -1)},"${BATCH_PARAM}":`;
  }

  /** The assertion for `claims`, once its batch is signed. */
  sign(claims: Record<string, unknown>, nowSec: number, lifetimeSeconds: number): Promise<string> {
    const payload = Buffer.from(payloadJson(claims, nowSec, nowSec + lifetimeSeconds, randomUUID())).toString("base64url");
    return new Promise<string>((resolve, reject) => {
      const q = this.#queue;
      const t = performance.now();
      if (q.length === 0) this.#openedAt = t;
      q.push({ payload, resolve, reject });
      if (q.length >= this.#max || t - this.#openedAt >= this.#maxWaitMs) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        afterThisTurn(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    try {
      const { root, paths } = merkleTree(batch.map((p) => leafHash(p.payload)));
      const s = this.#signer;
      const sig = s.signBytes(batchRootMessage(s.algorithm, s.keyId, "mcp-edge+jwt", batch.length, root)).toString("base64url");
      for (let i = 0; i < batch.length; i++) {
        const path = paths[i]!.map((h) => `"${h.toString("base64url")}"`).join(",");
        const header = Buffer.from(`${this.#headerStart}{"n":${batch.length},"i":${i},"path":[${path}]}}`).toString("base64url");
        batch[i]!.resolve(`${header}.${batch[i]!.payload}.${sig}`);
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
