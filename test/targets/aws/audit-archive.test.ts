import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");

/** ARNs for the archive's resources, on top of the shared AWS fixture state. */
function state(a: { type: string; name: string; inputs: Record<string, any> }): Record<string, unknown> | undefined {
  const base = awsState(a);
  if (base) return base;
  switch (a.type) {
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:eu-west-1:123456789012:key/${a.name}` };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${a.name}`, bucket: a.name };
    case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
      return { arn: `arn:aws:firehose:eu-west-1:123456789012:deliverystream/${a.name}` };
    default:
      return undefined;
  }
}

beforeAll(async () => {
  mocks = await installMocks({ state });
  aws = await import("../../../components/targets/aws/index.js");
});

async function deploy(name: string, args: Partial<import("../../../components/targets/aws/index.js").McpEdgeArgs> = {}) {
  const edge = new aws.McpEdge(name, { servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], bundleFile: fakeBundle(), ...args });
  await promiseOf(edge.servers);
  await promiseOf(edge.auditSigningKeyArn);
  await mocks.settled();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
  return { edge, mine };
}

function only(list: RecordedResource[]): RecordedResource {
  expect(list).toHaveLength(1);
  return list[0]!;
}
const policyOf = (r: RecordedResource) => JSON.parse(r.inputs.policy as string) as { Statement: Array<Record<string, any>> };

describe("McpEdge auditArchive (tamper-evident audit storage)", () => {
  it("creates an S3 bucket with Object Lock in compliance mode for the declared retention, private and delete-proof", async () => {
    const { mine, edge } = await deploy("ar1", { auditArchive: { retentionDays: 2555 } });
    expect(only(mine("aws:s3/bucket:Bucket")).inputs).toMatchObject({ objectLockEnabled: true, forceDestroy: false });
    expect(only(mine("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).inputs).toMatchObject({ objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: 2555 } } });
    expect(only(mine("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    const deny = policyOf(only(mine("aws:s3/bucketPolicy:BucketPolicy"))).Statement.find((s) => s.Sid === "NoDeletes")!;
    expect(deny).toMatchObject({ Effect: "Deny", Principal: "*" });
    expect(deny.Action).toEqual(expect.arrayContaining(["s3:DeleteObject", "s3:DeleteObjectVersion"]));
    expect(await promiseOf(edge.auditArchiveBucket)).toBe("ar1-audit-archive");
  });

  it("defaults the retention to the edge's log retention", async () => {
    const { mine } = await deploy("ar2", { auditArchive: {}, logRetentionDays: 400 });
    expect(only(mine("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).inputs.rule.defaultRetention.days).toBe(400);
  });

  it("feeds records and checkpoints through CloudWatch Logs subscriptions and Firehose into separate prefixes, one message per line", async () => {
    const { mine } = await deploy("ar3", { auditArchive: { retentionDays: 365 } });
    const streams = mine("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream");
    expect(streams.map((s) => s.inputs.extendedS3Configuration.prefix).sort()).toEqual(["checkpoints/", "records/"]);
    for (const s of streams) {
      expect(s.inputs.destination).toBe("extended_s3");
      expect(s.inputs.extendedS3Configuration.processingConfiguration.processors.map((p: { type: string }) => p.type)).toEqual(["Decompression", "CloudWatchLogProcessing", "AppendDelimiterToRecord"]);
    }
    const subs = mine("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter");
    expect(subs.map((s) => [s.inputs.logGroup, s.inputs.filterPattern, s.inputs.destinationArn]).sort()).toEqual([
      ["/pulumi-mcp-auth/project/stack/ar3", "", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/ar3-audit-records"],
      ["/pulumi-mcp-auth/project/stack/ar3/audit-checkpoints", "", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/ar3-audit-checkpoints"],
    ]);
    // Firehose may write objects but never delete or read them.
    const fh = policyOf(mine("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "ar3-audit-firehose")!);
    expect(fh.Statement.flatMap((s) => s.Action)).not.toContain("s3:DeleteObject");
    expect(fh.Statement.flatMap((s) => s.Action)).toContain("s3:PutObject");
  });

  it("gives the edge a KMS signing key it may only sign with, and the checkpoint log group it may only append to", async () => {
    const { mine } = await deploy("ar4", { auditArchive: { checkpointEvery: 50 } });
    expect(only(mine("aws:kms/key:Key")).inputs).toMatchObject({ customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" });
    const grant = policyOf(mine("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "ar4-audit-checkpoints")!);
    expect(grant.Statement).toEqual([
      { Effect: "Allow", Action: "kms:Sign", Resource: "arn:aws:kms:eu-west-1:123456789012:key/ar4-audit-signing", Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } } },
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/pulumi-mcp-auth/project/stack/ar4/audit-checkpoints:*" },
    ]);
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs.environment.variables).toMatchObject({
      MCP_EDGE_AUDIT_KMS_KEY_ID: "arn:aws:kms:eu-west-1:123456789012:key/ar4-audit-signing",
      MCP_EDGE_AUDIT_CHECKPOINT_LOG_GROUP: "/pulumi-mcp-auth/project/stack/ar4/audit-checkpoints",
      MCP_EDGE_AUDIT_CHECKPOINT_EVERY: "50",
    });
  });

  it("stores the HMAC key of argument values with the named secrets in Secrets Manager, never in the environment", async () => {
    const { mine } = await deploy("ar5", { auditArchive: { hmacKey: "x".repeat(44) } });
    expect(JSON.stringify(only(mine("aws:lambda/function:Function")).inputs.environment)).not.toContain("x".repeat(44));
    const versions = mine("aws:secretsmanager/secretVersion:SecretVersion").filter((v) => JSON.stringify(v.inputs).includes("MCP_EDGE_AUDIT_HMAC_KEY"));
    expect(versions).toHaveLength(1);
    expect(JSON.stringify(versions[0]!.inputs)).toContain("x".repeat(44));
  });

  it("names the checkpoint log group after the project and stack, so the dev and prod stacks of one program never claim the same group", async () => {
    const { checkpointLogGroupName } = await import("../../../components/targets/aws/audit-archive.js");
    const { logGroupName } = await import("../../../components/targets/aws/function.js");
    expect(checkpointLogGroupName("crm", "platform", "dev")).toBe("/pulumi-mcp-auth/platform/dev/crm/audit-checkpoints");
    expect(checkpointLogGroupName("crm", "platform", "dev")).not.toBe(checkpointLogGroupName("crm", "platform", "prod"));
    expect(checkpointLogGroupName("crm", "platform", "dev")).toBe(`${logGroupName("crm", "platform", "dev")}/audit-checkpoints`);
    const { mine } = await deploy("ar8", { auditArchive: {} });
    expect(mine("aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs.name).sort()).toEqual(["/pulumi-mcp-auth/project/stack/ar8", "/pulumi-mcp-auth/project/stack/ar8/audit-checkpoints"]);
  });

  it("refuses a retention outside 1..36500 days, naming the field", () => {
    expect(() => new aws.McpEdge("ar6", { servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], bundleFile: fakeBundle(), auditArchive: { retentionDays: 0 } })).toThrow(/auditArchive\.retentionDays/);
  });

  it("creates no archive unless asked", async () => {
    const { mine, edge } = await deploy("ar7");
    expect(mine("aws:s3/bucket:Bucket")).toHaveLength(0);
    expect(mine("aws:kms/key:Key")).toHaveLength(0);
    expect(await promiseOf(edge.auditArchiveBucket)).toBeUndefined();
  });
});
