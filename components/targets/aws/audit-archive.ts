import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AUDIT_ENV } from "../../../lambda/aws/audit-checkpoints.js";
import { logGroupName } from "./function.js";

/**
 * Tamper-evident audit storage on AWS (`McpEdge` option `auditArchive`):
 * - a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) the edge asks to sign audit checkpoints
 *   (`kms:Sign` only: the private key never leaves KMS);
 * - a separate log group receiving the checkpoints;
 * - an S3 bucket with Object Lock in compliance mode (default retention `retentionDays`, which no
 *   one, the account root included, can shorten or lift), fed by CloudWatch Logs subscriptions on
 *   both log groups through Firehose (records under `records/`, checkpoints under `checkpoints/`).
 *   Deleting a log group or editing its events later changes nothing already archived.
 * `pulumi-mcp-auth audit verify` checks a download of `records/` against `checkpoints/`.
 */

/** Options of `McpEdge.auditArchive`. */
export interface AuditArchiveOptions {
  /** Object Lock retention of each archived object, days (compliance mode). Default: the edge's `logRetentionDays`. */
  readonly retentionDays?: number;
  /** Audit records per signed checkpoint. Default 100. */
  readonly checkpointEvery?: number;
  /**
   * Per-deployment secret (≥ 32 bytes, a Pulumi secret, e.g. `openssl rand -base64 32`) keying the
   * hashes of tool argument values in audit records. Without it each Lambda instance uses its own
   * random key: values stay unrecoverable but cannot be correlated across instances.
   */
  readonly hmacKey?: pulumi.Input<string>;
}

/** The checkpoint log group: `<the edge's record log group>/audit-checkpoints` (`/pulumi-mcp-auth/<project>/<stack>/<name>/audit-checkpoints`). */
export function checkpointLogGroupName(name: string, project?: string, stack?: string): string {
  return `${logGroupName(name, project, stack)}/audit-checkpoints`;
}

const assume = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

/**
 * Creates the key, checkpoint log group, locked bucket and delivery streams; returns the
 * environment the edge function needs and `attach`, which subscribes the function's log group and
 * grants its role `kms:Sign` and writing to the checkpoint log group (call it once the function's
 * role and log group exist). `options` are validated by `McpEdge` (`validateEdgeArgs`) before
 * anything is registered.
 */
export function createAuditArchive(parent: pulumi.Resource, name: string, options: AuditArchiveOptions, defaults: { retentionDays: number; tags?: Readonly<Record<string, string>> | undefined }) {
  const opts = { parent };
  const tags = defaults.tags ? { ...defaults.tags } : undefined;
  const retentionDays = options.retentionDays ?? defaults.retentionDays;

  const key = new aws.kms.Key(`${name}-audit-signing`, { description: `Signs the audit checkpoints of the MCP auth edge ${name}`, customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY", deletionWindowInDays: 30, tags }, opts);
  // Named like the record log group (project and stack included), so two stacks of one program in
  // one account never claim the same checkpoint log group.
  const checkpointLogs = new aws.cloudwatch.LogGroup(`${name}-audit-checkpoints`, { name: checkpointLogGroupName(name), retentionInDays: defaults.retentionDays, tags }, opts);

  const bucket = new aws.s3.Bucket(`${name}-audit-archive`, { objectLockEnabled: true, forceDestroy: false, tags }, opts);
  new aws.s3.BucketPublicAccessBlock(`${name}-audit-archive`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-audit-archive`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, opts);
  // Compliance mode: no user, the root user included, can delete or overwrite a locked version
  // or shorten its retention (S3 Object Lock).
  const lock = new aws.s3.BucketObjectLockConfiguration(`${name}-audit-archive`, { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: retentionDays } } }, opts);
  // No delete markers either: a listing of current objects stays complete.
  new aws.s3.BucketPolicy(
    `${name}-audit-archive`,
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "NoDeletes", Effect: "Deny", Principal: "*", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration"], Resource: [arn, `${arn}/*`] },
            { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        }),
      ),
    },
    opts,
  );

  const firehoseRole = new aws.iam.Role(`${name}-audit-firehose`, { assumeRolePolicy: assume("firehose.amazonaws.com"), description: `Delivers the audit log of ${name} to its locked archive`, tags }, opts);
  const firehosePolicy = new aws.iam.RolePolicy(
    `${name}-audit-firehose`,
    {
      role: firehoseRole.id,
      policy: bucket.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          // Write only: no s3:DeleteObject, no s3:GetObject.
          Statement: [{ Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: [arn, `${arn}/*`] }],
        }),
      ),
    },
    opts,
  );
  const stream = (kind: "records" | "checkpoints") =>
    new aws.kinesis.FirehoseDeliveryStream(
      `${name}-audit-${kind}`,
      {
        destination: "extended_s3",
        extendedS3Configuration: {
          roleArn: firehoseRole.arn,
          bucketArn: bucket.arn,
          prefix: `${kind}/`,
          errorOutputPrefix: `errors/${kind}/!{firehose:error-output-type}/`,
          compressionFormat: "GZIP",
          bufferingInterval: 60,
          bufferingSize: 5,
          // One log message per line: decompress the subscription's payload and extract the messages.
          processingConfiguration: {
            enabled: true,
            processors: [
              { type: "Decompression", parameters: [{ parameterName: "CompressionFormat", parameterValue: "GZIP" }] },
              { type: "CloudWatchLogProcessing", parameters: [{ parameterName: "DataMessageExtraction", parameterValue: "true" }] },
              { type: "AppendDelimiterToRecord" },
            ],
          },
        },
        tags,
      },
      { parent, dependsOn: [firehosePolicy, lock] },
    );
  const records = stream("records");
  const checkpoints = stream("checkpoints");

  const logsRole = new aws.iam.Role(`${name}-audit-subscription`, { assumeRolePolicy: assume("logs.amazonaws.com"), description: `Lets CloudWatch Logs feed the audit archive of ${name}`, tags }, opts);
  const logsPolicy = new aws.iam.RolePolicy(
    `${name}-audit-subscription`,
    { role: logsRole.id, policy: pulumi.all([records.arn, checkpoints.arn]).apply((arns) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["firehose:PutRecord", "firehose:PutRecordBatch"], Resource: arns }] })) },
    opts,
  );
  // Every event of the checkpoint log group (checkpoints only).
  new aws.cloudwatch.LogSubscriptionFilter(`${name}-audit-checkpoints`, { logGroup: checkpointLogs.name, filterPattern: "", destinationArn: checkpoints.arn, roleArn: logsRole.arn }, { parent, dependsOn: [logsPolicy] });

  const environment: Record<string, pulumi.Input<string>> = {
    [AUDIT_ENV.kmsKeyId]: key.arn,
    [AUDIT_ENV.checkpointLogGroup]: checkpointLogs.name,
    ...(options.checkpointEvery !== undefined ? { [AUDIT_ENV.checkpointEvery]: String(options.checkpointEvery) } : {}),
  };
  // The HMAC key is a secret: McpEdge stores it with its other named secrets in Secrets Manager.

  /** Subscribes the edge's log group (every event: nothing can slip past a pattern) and grants its role what checkpoints need. */
  function attach(edgeLogGroupName: pulumi.Input<string>, roleId: pulumi.Input<string>) {
    const subscription = new aws.cloudwatch.LogSubscriptionFilter(`${name}-audit-records`, { logGroup: edgeLogGroupName, filterPattern: "", destinationArn: records.arn, roleArn: logsRole.arn }, { parent, dependsOn: [logsPolicy] });
    const signPolicy = new aws.iam.RolePolicy(
      `${name}-audit-checkpoints`,
      {
        role: roleId,
        policy: pulumi.all([key.arn, checkpointLogs.arn]).apply(([keyArn, groupArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              // Sign only: no kms:GetPublicKey needed, no key administration, no other key.
              { Effect: "Allow", Action: "kms:Sign", Resource: keyArn, Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } } },
              { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${groupArn}:*` },
            ],
          }),
        ),
      },
      opts,
    );
    return { subscription, signPolicy };
  }

  return { key, checkpointLogs, bucket, lock, records, checkpoints, environment, attach };
}
