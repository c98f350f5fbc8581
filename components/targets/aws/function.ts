import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { KMS_KEY_ARN } from "./args.js";

/**
 * The edge function and what it cannot run without: its log group (declared retention, created
 * before the function so Lambda never creates an unbounded one, kept when the stack is destroyed)
 * and an IAM role that may write to that log group, read the edge's own secrets, and do nothing else.
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
  /** Plain environment: the ARNs of the edge's secrets, never a secret value or the edge config. */
  readonly environment: Record<string, pulumi.Input<string>>;
  /** Secrets Manager secrets the role may read (and their KMS key, when not AWS-managed). */
  readonly secretArns: readonly pulumi.Input<string>[];
  readonly secretsKmsKeyArn?: pulumi.Input<string> | undefined;
  /** Resources the function must wait for (the secret versions: a failed secret leaves no function behind). */
  readonly dependsOn?: readonly pulumi.Resource[];
  readonly description: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** Lambda's limit on a function description, characters. */
export const LAMBDA_DESCRIPTION_MAX = 256;

/**
 * The function description, at most {@link LAMBDA_DESCRIPTION_MAX} characters whatever the number
 * of servers: as many server names as fit, then `and N more`.
 */
export function functionDescription(mode: string, servers: readonly string[]): string {
  const head = `MCP authorization edge (${mode}) for `;
  for (let shown = servers.length; shown >= 1; shown--) {
    const rest = servers.length - shown;
    const text = `${head}${servers.slice(0, shown).join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
    if (text.length <= LAMBDA_DESCRIPTION_MAX) return text;
  }
  return `${head}${servers.length} servers`.slice(0, LAMBDA_DESCRIPTION_MAX);
}

/**
 * The log group name: the stack's project and name are part of it, so two stacks of one program
 * (dev, prod) in one account never claim the same log group.
 */
export function logGroupName(name: string, project: string = pulumi.getProject(), stack: string = pulumi.getStack()): string {
  return `/pulumi-mcp-auth/${project}/${stack}/${name}`;
}

/** The trust policy: only the Lambda service may assume the role. */
export const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * The role's only permissions: create streams in and write events to the edge's own log group
 * (no `logs:CreateLogGroup`, no wildcard resource, unlike the managed `AWSLambdaBasicExecutionRole`);
 * read the edge's own secrets and nothing else; decrypt with their customer-managed key, if any.
 */
export function edgeRolePolicy(logGroupArn: string, secretArns: readonly string[] = [], kmsKeyArn?: string): string {
  const statements: object[] = [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:*`] }];
  if (secretArns.length > 0) statements.push({ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...secretArns] });
  if (secretArns.length > 0 && kmsKeyArn) {
    const region = KMS_KEY_ARN.exec(kmsKeyArn)?.[1];
    if (!region) throw new Error(`secretsKmsKeyArn: expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${kmsKeyArn}`);
    statements.push({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kmsKeyArn], Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } } });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Creates the log group, role, role policy and function as children of `parent`. */
export function createEdgeFunction(parent: pulumi.Resource, i: EdgeFunctionInputs) {
  const opts = { parent };
  const logGroup = new aws.cloudwatch.LogGroup(
    `${i.name}-logs`,
    {
      name: logGroupName(i.name),
      retentionInDays: i.logRetentionDays,
      ...(i.logKmsKeyArn ? { kmsKeyId: i.logKmsKeyArn } : {}),
      tags: i.tags ? { ...i.tags } : undefined,
    },
    // Audit evidence outlives the stack: `pulumi destroy` or a rename leaves the group (and its
    // retention) in place; delete it by hand when the retention period no longer binds you.
    { parent, retainOnDelete: true },
  );
  const role = new aws.iam.Role(`${i.name}-role`, { assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY, description: `Execution role of the MCP auth edge ${i.name}`, tags: i.tags ? { ...i.tags } : undefined }, opts);
  const policy = new aws.iam.RolePolicy(
    `${i.name}-logs`,
    { role: role.id, policy: pulumi.all([logGroup.arn, pulumi.all([...i.secretArns]), i.secretsKmsKeyArn]).apply(([arn, secrets, kms]) => edgeRolePolicy(arn, secrets, kms)) },
    opts,
  );
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
      ...(hasEnv ? { environment: { variables: i.environment } } : {}),
      tags: i.tags ? { ...i.tags } : undefined,
    },
    { parent, dependsOn: [logGroup, policy, ...(i.dependsOn ?? [])] },
  );
  return { logGroup, role, policy, fn };
}
