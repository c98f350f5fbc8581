import type { KeyObject } from "node:crypto";
import { nodeCrypto } from "./node.js";
import { isoTime } from "./time.js";

const { hash, sign, createPrivateKey, createPublicKey } = nodeCrypto;

/**
 * Signed checkpoints of an audit chain. A checkpoint states "chain C had, at its record `seq`, the
 * head hash H" and is signed with a key kept apart from the log (a KMS asymmetric key on AWS, a key
 * file locally). Checkpoints go to a separate append-only place (a separate log group and the
 * Object Lock archive on AWS, a separate file locally), so whoever can edit the record log cannot
 * recompute history that a checkpoint already covers. Each chain's first checkpoint (`start`,
 * seq -1) registers the chain, so deleting a whole chain is visible too.
 *
 * Checkpoints are themselves chained (`cseq`, `prev` = SHA-256 of the previous checkpoint line), so
 * a removed checkpoint is reported as missing. One is written when `every` records have been
 * written since the last one, when `maxAgeSeconds` passed with records unsealed, and on flush.
 */
export interface Checkpoint {
  v: 1;
  type: "checkpoint";
  chain: string;
  /** Position among this chain's checkpoints, from 0 (the start). */
  cseq: number;
  /** Sequence number of the last record covered; -1 for the start. */
  seq: number;
  /** base64url SHA-256 of that record's line (the chain head); `"genesis"` for the start. */
  head: string;
  /** base64url SHA-256 of the previous checkpoint line of this chain; `"genesis"` for the start. */
  prev: string;
  /** The writer's interval: at most this many records between checkpoints. */
  every: number;
  reason: "start" | "interval" | "time" | "flush";
  ts: string;
  /** Key id of the signer (KMS key ARN, or the public key's SHA-256 thumbprint). */
  kid: string;
  /** ECDSA P-256 with SHA-256 over the canonical body, DER signature (KMS `ECDSA_SHA_256`). */
  alg: "ECDSA_SHA_256";
  /** base64url DER signature over `checkpointBody(...)`. */
  sig: string;
}

/** What signs checkpoints. The writer needs only this capability, never a key it can export. */
export interface CheckpointSigner {
  readonly kid: string;
  readonly alg: "ECDSA_SHA_256";
  /** DER-encoded ECDSA P-256 SHA-256 signature of `data`. */
  sign(data: Buffer): Uint8Array | Promise<Uint8Array>;
}

/** Where checkpoints go and how often. */
export interface CheckpointOptions {
  signer: CheckpointSigner;
  /** Appends one checkpoint line to the checkpoint log (awaited before the next checkpoint). */
  sink: (line: string, checkpoint: Checkpoint) => void | Promise<void>;
  /** Records per checkpoint at most. Default 100. */
  every?: number | undefined;
  /** A checkpoint is due when records stayed unsealed this long (checked when the edge drains). Default 60. */
  maxAgeSeconds?: number | undefined;
}

export const DEFAULT_CHECKPOINT_EVERY = 100;
export const DEFAULT_CHECKPOINT_MAX_AGE_SECONDS = 60;

/** The signed bytes: the checkpoint's JSON without `sig`, members in this fixed order. */
export function checkpointBody(c: Omit<Checkpoint, "sig">): string {
  return JSON.stringify({ v: c.v, type: c.type, chain: c.chain, cseq: c.cseq, seq: c.seq, head: c.head, prev: c.prev, every: c.every, reason: c.reason, ts: c.ts, kid: c.kid, alg: c.alg });
}

/** The checkpoint's line: the body with `sig` appended (what `prev` hashes). */
export function checkpointLine(c: Checkpoint): string {
  return `${checkpointBody(c).slice(0, -1)},"sig":${JSON.stringify(c.sig)}}`;
}

/** A signer holding an EC P-256 private key in this process (local use; the key file is the boundary). */
export function keySigner(privateKey: KeyObject | string): CheckpointSigner {
  const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("checkpoint key: expected an EC P-256 private key");
  return { kid: keyThumbprint(createPublicKey(key)), alg: "ECDSA_SHA_256", sign: (data) => sign("sha256", data, { key, dsaEncoding: "der" }) };
}

/** base64url SHA-256 of the public key's DER SubjectPublicKeyInfo (first 22 characters). */
export function keyThumbprint(publicKey: KeyObject): string {
  return hash("sha256", publicKey.export({ type: "spki", format: "der" }), "base64url").slice(0, 22);
}

type Due = { seq: number; head: string; reason: Checkpoint["reason"]; nowMs: number };

/** Decides when a checkpoint is due and signs and writes them one after another. */
export class Checkpointer {
  #every: number;
  #maxAgeMs: number;
  #cseq = 0;
  #prev = "genesis";
  /** Highest record seq a checkpoint was scheduled for (-2: not even the start). */
  #scheduled = -2;
  #scheduledAt = 0;
  #work: Promise<void> = Promise.resolve();
  constructor(
    private readonly chain: string,
    private readonly o: CheckpointOptions,
    private readonly onError: (e: unknown) => void,
  ) {
    this.#every = o.every ?? DEFAULT_CHECKPOINT_EVERY;
    this.#maxAgeMs = (o.maxAgeSeconds ?? DEFAULT_CHECKPOINT_MAX_AGE_SECONDS) * 1000;
    if (!Number.isInteger(this.#every) || this.#every < 1) throw new Error("checkpoints.every: expected a positive integer");
  }

  /** After record `seq` with line hash `head` was written. */
  recorded(seq: number, head: string, nowMs: number): void {
    if (this.#scheduled === -2) this.#schedule({ seq: -1, head: "genesis", reason: "start", nowMs });
    if (seq - this.#scheduled >= this.#every) this.#schedule({ seq, head, reason: "interval", nowMs });
  }

  /** Time rule: records unsealed for `maxAgeSeconds`. */
  tick(seq: number, head: string, nowMs: number): void {
    if (seq > this.#scheduled && this.#scheduled >= -1 && nowMs - this.#scheduledAt >= this.#maxAgeMs) this.#schedule({ seq, head, reason: "time", nowMs });
  }

  /** Seals the head now when records are unsealed. */
  seal(seq: number, head: string, reason: Checkpoint["reason"], nowMs: number): void {
    if (seq > this.#scheduled) this.#schedule({ seq, head, reason, nowMs });
  }

  /** Resolves when every scheduled checkpoint is written (or failed and was reported). */
  idle(): Promise<void> {
    return this.#work;
  }

  #schedule(d: Due): void {
    this.#scheduled = d.seq;
    this.#scheduledAt = d.nowMs;
    this.#work = this.#work.then(() => this.#write(d));
  }

  async #write(d: Due): Promise<void> {
    // The chain must be registered before anything else: a failed start is written first.
    if (this.#cseq === 0 && d.reason !== "start") {
      await this.#write({ seq: -1, head: "genesis", reason: "start", nowMs: d.nowMs });
      if (this.#cseq === 0) return; // still unregistered: reported, tried again with the next checkpoint
    }
    try {
      const s = this.o.signer;
      const body = { v: 1, type: "checkpoint", chain: this.chain, cseq: this.#cseq, seq: d.seq, head: d.head, prev: this.#prev, every: this.#every, reason: d.reason, ts: isoTime(d.nowMs), kid: s.kid, alg: s.alg } as const;
      const sig = Buffer.from(await s.sign(Buffer.from(checkpointBody(body)))).toString("base64url");
      const c: Checkpoint = { ...body, sig };
      const line = checkpointLine(c);
      await this.o.sink(line, c);
      // Only a written checkpoint advances the checkpoint chain: a failure leaves no gap that
      // would look like a deleted checkpoint; the records stay unsealed until the next one.
      this.#cseq++;
      this.#prev = hash("sha256", line, "base64url");
    } catch (e) {
      this.onError(e);
    }
  }
}
