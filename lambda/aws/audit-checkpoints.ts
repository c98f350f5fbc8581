import type { Checkpoint, CheckpointOptions, CheckpointSigner } from "../core/checkpoint.js";

/**
 * Audit checkpoints on AWS: signed by a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) and written
 * to a separate CloudWatch Logs group (whose subscription also copies them to the Object Lock
 * archive). The AWS SDK clients are loaded on the first checkpoint, not on the cold path; the
 * bundle leaves `@aws-sdk/*` to the Lambda Node.js runtime, which ships them.
 *
 * What this guarantees: the function can ask KMS to sign (`kms:Sign`) but never holds or exports
 * the private key, and every signature is logged by CloudTrail. Someone who can edit or delete the
 * edge's record log but has neither `kms:Sign` on the key nor write access to the checkpoint log
 * cannot make a rewritten history verify. Whoever holds the function's role can sign new
 * checkpoints, but not remove those already archived under Object Lock, so records those cover
 * cannot be rewritten unnoticed either.
 */

/**
 * Loads an AWS SDK v3 client package. In the CommonJS bundle through `require`, which honours the
 * Lambda runtime's NODE_PATH (where it ships the SDK); ESM `import()` does not read NODE_PATH.
 */
function sdk<T>(id: string): Promise<T> {
  return typeof require === "function" ? Promise.resolve(require(id) as T) : (import(id) as Promise<T>);
}

/** Signs with KMS `Sign` (`ECDSA_SHA_256`, message type RAW): the signature is DER, as the verifier expects. */
export function kmsCheckpointSigner(keyId: string): CheckpointSigner {
  let client: Promise<{ send: (c: unknown) => Promise<{ Signature?: Uint8Array }> }> | undefined;
  let Sign: (new (input: unknown) => unknown) | undefined;
  return {
    kid: keyId,
    alg: "ECDSA_SHA_256",
    async sign(data) {
      client ??= sdk<typeof import("@aws-sdk/client-kms")>("@aws-sdk/client-kms").then((m) => {
        Sign = m.SignCommand as never;
        return new m.KMSClient({}) as never;
      });
      const c = await client;
      const out = await c.send(new Sign!({ KeyId: keyId, Message: data, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" }));
      if (!out.Signature) throw new Error("KMS Sign returned no signature");
      return out.Signature;
    },
  };
}

/** Appends checkpoints to `logGroup`, one stream per chain (created on first use). */
export function cloudWatchCheckpointSink(logGroup: string): (line: string, checkpoint: Checkpoint) => Promise<void> {
  type Client = { send: (c: unknown) => Promise<unknown> };
  let api: Promise<{ client: Client; m: typeof import("@aws-sdk/client-cloudwatch-logs") }> | undefined;
  const streams = new Set<string>();
  return async (line, cp) => {
    api ??= sdk<typeof import("@aws-sdk/client-cloudwatch-logs")>("@aws-sdk/client-cloudwatch-logs").then((m) => ({ client: new m.CloudWatchLogsClient({}) as Client, m }));
    const { client, m } = await api;
    const stream = `chain-${cp.chain}`;
    if (!streams.has(stream)) {
      try {
        await client.send(new m.CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: stream }));
      } catch (e) {
        if ((e as { name?: string }).name !== "ResourceAlreadyExistsException") throw e;
      }
      streams.add(stream);
    }
    await client.send(new m.PutLogEventsCommand({ logGroupName: logGroup, logStreamName: stream, logEvents: [{ timestamp: Date.parse(cp.ts), message: line }] }));
  };
}

/** Environment variables the AWS entries read for audit protection (set by the AWS target). */
export const AUDIT_ENV = {
  /** Per-deployment HMAC key of argument values (a secret, ≥ 32 bytes). */
  hmacKey: "MCP_EDGE_AUDIT_HMAC_KEY",
  /** KMS key id or ARN signing checkpoints. */
  kmsKeyId: "MCP_EDGE_AUDIT_KMS_KEY_ID",
  /** CloudWatch Logs group receiving checkpoints. */
  checkpointLogGroup: "MCP_EDGE_AUDIT_CHECKPOINT_LOG_GROUP",
  /** Records per checkpoint (default 100). */
  checkpointEvery: "MCP_EDGE_AUDIT_CHECKPOINT_EVERY",
} as const;

/** `EdgeOptions.checkpoints` from the environment, or undefined when no KMS key is named. */
export function awsCheckpointsFromEnv(env: Record<string, string | undefined>): CheckpointOptions | undefined {
  const keyId = env[AUDIT_ENV.kmsKeyId];
  const group = env[AUDIT_ENV.checkpointLogGroup];
  if (!keyId && !group) return undefined;
  if (!keyId || !group) throw new Error(`MCP edge: set both ${AUDIT_ENV.kmsKeyId} and ${AUDIT_ENV.checkpointLogGroup} (audit checkpoints), or neither`);
  const everyText = env[AUDIT_ENV.checkpointEvery];
  const every = everyText === undefined ? undefined : Number(everyText);
  if (every !== undefined && !(Number.isInteger(every) && every >= 1 && every <= 100_000)) throw new Error(`MCP edge: ${AUDIT_ENV.checkpointEvery} must be an integer between 1 and 100000`);
  return { signer: kmsCheckpointSigner(keyId), sink: cloudWatchCheckpointSink(group), every };
}
