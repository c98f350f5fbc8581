import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The deployed handler's secret read (Secrets Manager `GetSecretValue`, region and credentials from
 * the Lambda environment). Its own module, loaded on first use: the bundle evaluates this client
 * only when the handler reads its secret (once per instance), and imports only the one command.
 */
export async function readSecretString(arn: string): Promise<string> {
  const client = new SecretsManagerClient({});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new Error(`secret ${arn} has no string value`);
    return out.SecretString;
  } finally {
    client.destroy();
  }
}
