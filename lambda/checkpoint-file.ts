import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { keySigner, type Checkpoint, type CheckpointSigner } from "./core/checkpoint.js";

/**
 * Local checkpoint storage: a key file and an append-only checkpoint file, apart from the record log.
 *
 * What this guarantees locally: someone who can edit the record log but not read the key file
 * cannot rewrite records a checkpoint covers without `audit verify` reporting it. The edge process
 * itself holds the key, so whoever controls that process (or can read the key file) can sign
 * anything; for a stronger boundary use a KMS key (AWS), which the edge can only ask to sign.
 */

/**
 * A signer from the EC P-256 private key (PKCS#8 PEM) at `path`. When the file does not exist a new
 * key is generated and written with mode 0600, and its public key (SPKI PEM, what `audit verify
 * --key` takes) next to it as `<path>.pub.pem`.
 */
export function fileCheckpointSigner(path: string): CheckpointSigner {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
  }
  const pem = readFileSync(path, "utf8");
  const pub = `${path}.pub.pem`;
  if (!existsSync(pub)) writeFileSync(pub, createPublicKey(pem).export({ type: "spki", format: "pem" }));
  return keySigner(pem);
}

/** Appends each checkpoint as one line to `path` (opened in append mode for every write). */
export function appendFileCheckpointSink(path: string): (line: string, checkpoint: Checkpoint) => void {
  return (line) => appendFileSync(path, `${line}\n`, { flag: "a", mode: 0o644 });
}

/** `EdgeOptions.checkpoints` for a local edge: key file, checkpoint file, interval. */
export function fileCheckpoints(opts: { keyFile: string; file: string; every?: number; maxAgeSeconds?: number }) {
  return { signer: fileCheckpointSigner(opts.keyFile), sink: appendFileCheckpointSink(opts.file), every: opts.every, maxAgeSeconds: opts.maxAgeSeconds };
}
