import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DYNAMO_OPERATIONS } from "../../front/store/dynamo-api.js";
import { FRONT_TABLE } from "../../front/store/table-schema.js";

/**
 * The front's stateful AWS resources: the KMS key that encrypts its table and secret, the
 * DynamoDB table (key schema shared with `createFrontTable`), the Secrets Manager secret, and
 * the least-privilege policy the function gets on them.
 */

export function createFrontKey(parent: pulumi.Resource, name: string, tags?: Record<string, string>) {
  return new aws.kms.Key(
    `${name}-key`,
    { description: `MCP authorization front ${name}: encrypts its table and its signing key`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
    { parent },
  );
}

export function createFrontTableResource(parent: pulumi.Resource, name: string, key: aws.kms.Key, o: { tableName?: string | undefined; deletionProtection: boolean; tags?: Record<string, string> | undefined }) {
  const t = FRONT_TABLE;
  return new aws.dynamodb.Table(
    `${name}-table`,
    {
      ...(o.tableName ? { name: o.tableName } : {}),
      billingMode: "PAY_PER_REQUEST",
      hashKey: t.partitionKey,
      rangeKey: t.sortKey,
      attributes: [
        { name: t.partitionKey, type: "S" },
        { name: t.sortKey, type: "S" },
        { name: t.gsi1.partitionKey, type: "S" },
        { name: t.gsi1.sortKey, type: "S" },
      ],
      globalSecondaryIndexes: [{ name: t.gsi1.name, hashKey: t.gsi1.partitionKey, rangeKey: t.gsi1.sortKey, projectionType: "ALL" }],
      ttl: { attributeName: t.ttlAttribute, enabled: true },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: o.deletionProtection,
      serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
      tags: o.tags,
    },
    { parent },
  );
}

/** Table items and index, the one secret, and decryption with the front's key: nothing else. */
export function frontDataPolicy(tableArn: string, secretArn: string, keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        // Exactly the operations the store calls (its client refuses any other), so the two cannot drift.
        Action: DYNAMO_OPERATIONS.map((op) => `dynamodb:${op}`),
        Resource: [tableArn, `${tableArn}/index/*`],
      },
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secretArn] },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [keyArn] },
    ],
  });
}

/** Log lines the front's Lambda home writes, counted by metric filters. */
export const FRONT_LOG_EVENTS = {
  /** One per registration attempt (DCR, and CIMD first use), accepted or refused. */
  registration: { id: "registrations", pattern: '{ $.event = "registration" }', description: "Client registration attempts (DCR and CIMD first use) above the threshold: a registration burst." },
  /** One per failed upstream sign-in. */
  failedSignIn: { id: "failed-sign-ins", pattern: '"sign_in_failed"', description: "Failed sign-ins at the upstream IdP above the threshold." },
} as const;

/** CloudWatch namespace of the front's metrics; each stack publishes under `PulumiMcpAuth/Front/<project>/<stack>`. */
export const FRONT_METRIC_NAMESPACE = "PulumiMcpAuth/Front";

/**
 * The namespace of one stack's front metrics: two stacks of one program in one account (dev, prod)
 * never add their counts into each other's metrics and alarms (as the edge's `auditMetricNamespace`).
 */
export function frontMetricNamespace(project: string = pulumi.getProject(), stack: string = pulumi.getStack()): string {
  return `${FRONT_METRIC_NAMESPACE}/${project}/${stack}`;
}

export function createFrontAlarms(
  parent: pulumi.Resource,
  name: string,
  logGroupName: pulumi.Input<string>,
  a: { registrationBurstThreshold: number; failedSignInThreshold: number; periodSeconds: number; actions?: pulumi.Input<string>[] | undefined },
  tags?: Record<string, string>,
) {
  const out: aws.cloudwatch.MetricAlarm[] = [];
  const namespace = frontMetricNamespace();
  for (const [ev, threshold] of [
    [FRONT_LOG_EVENTS.registration, a.registrationBurstThreshold],
    [FRONT_LOG_EVENTS.failedSignIn, a.failedSignInThreshold],
  ] as const) {
    const metricName = `${name}-${ev.id}`;
    new aws.cloudwatch.LogMetricFilter(
      `${name}-mf-${ev.id}`,
      { name: metricName, logGroupName, pattern: ev.pattern, metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0", unit: "Count" } },
      { parent },
    );
    out.push(
      new aws.cloudwatch.MetricAlarm(
        `${name}-alarm-${ev.id}`,
        {
          alarmDescription: ev.description,
          namespace,
          metricName,
          statistic: "Sum",
          period: a.periodSeconds,
          evaluationPeriods: 1,
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: a.actions ? [...a.actions] : [],
          tags,
        },
        { parent },
      ),
    );
  }
  return out;
}
