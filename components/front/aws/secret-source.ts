import { createAwsJsonClient } from "./aws-json-client.js";
import { awsServiceTargetFromEnv } from "./aws-env.js";

/**
 * The deployed handler's secret read: Secrets Manager `GetSecretValue` (awsJson1_1,
 * `X-Amz-Target: secretsmanager.GetSecretValue`), region, credentials and endpoint override
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`) from the Lambda environment, with the SDK's retry settings
 * (3 attempts). Once per instance.
 */
export async function readSecretString(arn: string, env: Readonly<Record<string, string | undefined>> = process.env, transport?: Parameters<typeof createAwsJsonClient>[0]["transport"]): Promise<string> {
  const client = createAwsJsonClient({ ...awsServiceTargetFromEnv(env, "secretsmanager", "SECRETS_MANAGER"), env, signingName: "secretsmanager", targetPrefix: "secretsmanager", jsonVersion: "1.1", ...(transport ? { transport } : {}) });
  let out: Record<string, unknown>;
  try {
    out = await client.call("GetSecretValue", { SecretId: arn });
  } finally {
    client.close();
  }
  if (typeof out["SecretString"] !== "string" || !out["SecretString"]) throw new Error(`secret ${arn} has no string value (SecretString); store the front's secret as JSON text`);
  return out["SecretString"];
}
