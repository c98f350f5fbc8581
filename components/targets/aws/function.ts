import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * The edge function and what it cannot run without: its log group (declared retention, created
 * before the function so Lambda never creates an unbounded one) and an IAM role that may write to
 * that log group and do nothing else.
 */

/** Inputs of {@link createEdgeFunction}. */
export interface EdgeFunctionInputs {
  readonly name: string;
  readonly code: pulumi.Input<pulumi.asset.Archive>;
  /** e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency?: number | undefined;
  readonly logRetentionDays: number;
  readonly logKmsKeyArn?: pulumi.Input<string> | undefined;
  /** Secret environment (assertion key, introspection secret). Never the edge config. */
  readonly environment: Record<string, pulumi.Input<string>>;
  readonly description: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** The trust policy: only the Lambda service may assume the role. */
export const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * The role's only permissions: create streams in and write events to the edge's own log group.
 * No `logs:CreateLogGroup` (the group exists), no wildcard resource (unlike the managed
 * `AWSLambdaBasicExecutionRole`, which allows writing to every log group in the account).
 */
export function logWritePolicy(logGroupArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:*`] }],
  });
}

/** Creates the log group, role, role policy and function as children of `parent`. */
export function createEdgeFunction(parent: pulumi.Resource, i: EdgeFunctionInputs) {
  const opts = { parent };
  const logGroup = new aws.cloudwatch.LogGroup(
    `${i.name}-logs`,
    {
      name: `/pulumi-mcp-auth/${i.name}`,
      retentionInDays: i.logRetentionDays,
      ...(i.logKmsKeyArn ? { kmsKeyId: i.logKmsKeyArn } : {}),
      tags: i.tags ? { ...i.tags } : undefined,
    },
    opts,
  );
  const role = new aws.iam.Role(`${i.name}-role`, { assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY, description: `Execution role of the MCP auth edge ${i.name}`, tags: i.tags ? { ...i.tags } : undefined }, opts);
  const policy = new aws.iam.RolePolicy(`${i.name}-logs`, { role: role.id, policy: logGroup.arn.apply(logWritePolicy) }, opts);
  const hasEnv = Object.keys(i.environment).length > 0;
  const fn = new aws.lambda.Function(
    `${i.name}-fn`,
    {
      description: i.description,
      role: role.arn,
      code: i.code,
      handler: i.handler,
      runtime: i.runtime,
      architectures: ["arm64"],
      memorySize: i.memoryMb,
      timeout: i.timeoutSeconds,
      ...(i.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: i.reservedConcurrency } : {}),
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
      ...(hasEnv ? { environment: { variables: pulumi.secret(i.environment) as pulumi.Input<Record<string, pulumi.Input<string>>> } } : {}),
      tags: i.tags ? { ...i.tags } : undefined,
    },
    { parent, dependsOn: [logGroup, policy] },
  );
  return { logGroup, role, policy, fn };
}
