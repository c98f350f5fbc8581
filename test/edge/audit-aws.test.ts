import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_ENV, awsCheckpointsFromEnv } from "../../lambda/aws/audit-checkpoints.js";
import { verifyAuditChain } from "../../lambda/core/audit.js";
import { bearer, call, crmConfig, harness, mint, post, rsaKey } from "./helpers.js";

const key = rsaKey();
const kmsKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** A stand-in for the KMS and CloudWatch Logs JSON APIs (what the AWS SDK v3 clients call). */
const calls: Array<{ target: string; body: Record<string, any> }> = [];
const events: Record<string, string[]> = {};
let server: ReturnType<typeof createServer>;
let endpoint = "";

async function read(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const c of req) s += c;
  return s;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = JSON.parse((await read(req)) || "{}") as Record<string, any>;
    calls.push({ target, body });
    res.setHeader("content-type", "application/x-amz-json-1.1");
    if (target === "TrentService.Sign") {
      const sig = sign("sha256", Buffer.from(body.Message, "base64"), { key: kmsKey.privateKey, dsaEncoding: "der" });
      res.end(JSON.stringify({ KeyId: body.KeyId, Signature: sig.toString("base64"), SigningAlgorithm: body.SigningAlgorithm }));
    } else if (target === "Logs_20140328.CreateLogStream") {
      res.end("{}");
    } else if (target === "Logs_20140328.PutLogEvents") {
      (events[body.logStreamName] ??= []).push(...body.logEvents.map((e: { message: string }) => e.message));
      res.end("{}");
    } else {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: "UnknownOperationException" }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
});
afterAll(() => {
  for (const k of ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) delete process.env[k];
  server.close();
});

describe("audit checkpoints on AWS", () => {
  it("are signed through KMS Sign (ECDSA_SHA_256, raw) and appended to the checkpoint log group, one stream per chain", async () => {
    const checkpoints = awsCheckpointsFromEnv({ [AUDIT_ENV.kmsKeyId]: KEY_ARN, [AUDIT_ENV.checkpointLogGroup]: "/pulumi-mcp-auth/crm/audit-checkpoints", [AUDIT_ENV.checkpointEvery]: "2" })!;
    const h = harness([crmConfig([key])], { auditChainId: "c-aws", checkpoints });
    const t = mint(key);
    for (let i = 0; i < 3; i++) await h.edge.handle(post(call("list_customers"), bearer(t)));
    await h.edge.flush();
    expect(h.logs.filter((l) => l.event === "audit_checkpoint_failed")).toEqual([]);
    const sign = calls.find((c) => c.target === "TrentService.Sign")!;
    expect(sign.body).toMatchObject({ KeyId: KEY_ARN, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" });
    expect(calls.find((c) => c.target === "Logs_20140328.CreateLogStream")!.body).toEqual({ logGroupName: "/pulumi-mcp-auth/crm/audit-checkpoints", logStreamName: "chain-c-aws" });
    const cps = events["chain-c-aws"]!;
    expect(cps.map((l) => JSON.parse(l).reason)).toEqual(["start", "interval", "flush"]);
    expect(verifyAuditChain(h.lines, { checkpoints: cps, keys: [kmsKey.publicKey] })).toMatchObject({ ok: true, checkpoints: 3, signaturesChecked: true });
  }, 30_000);

  it("need both the key and the log group, and a sane interval", () => {
    expect(awsCheckpointsFromEnv({})).toBeUndefined();
    expect(() => awsCheckpointsFromEnv({ [AUDIT_ENV.kmsKeyId]: KEY_ARN })).toThrow(/MCP_EDGE_AUDIT_CHECKPOINT_LOG_GROUP/);
    expect(() => awsCheckpointsFromEnv({ [AUDIT_ENV.kmsKeyId]: KEY_ARN, [AUDIT_ENV.checkpointLogGroup]: "g", [AUDIT_ENV.checkpointEvery]: "0" })).toThrow(/between 1 and 100000/);
  });
});
