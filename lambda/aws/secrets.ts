import type { KeyObject } from "node:crypto";

/**
 * The edge's secrets on AWS, read once at init from AWS Secrets Manager (never from environment
 * variables, which anyone with `lambda:GetFunctionConfiguration` can read):
 * - env `MCP_EDGE_ASSERTION_KEY_ARN`: a secret whose value is the private JWK (JSON) that signs
 *   the upstream identity assertion; handed to the core as a `KeyObject`;
 * - env `MCP_EDGE_SECRETS_ARN`: a secret whose value is a JSON object of named secrets, e.g.
 *   `{"OKTA_INTROSPECTION_CLIENT_SECRET":"…"}`; the core looks up `introspection.clientSecretEnv`
 *   there first.
 * The environment holds only the ARNs. The function's role may read exactly these secrets
 * (components/targets/aws/secrets.ts). Every failure names the variable and never echoes a value.
 */

/** Environment variable holding the ARN of the assertion key secret. */
export const ASSERTION_KEY_ARN_ENV = "MCP_EDGE_ASSERTION_KEY_ARN";
/** Environment variable holding the ARN of the named-secrets secret. */
export const SECRETS_ARN_ENV = "MCP_EDGE_SECRETS_ARN";

/** Reads one secret's string value by ARN. */
export type SecretReader = (secretArn: string) => Promise<string>;

/** What the entry hands the core. */
export interface EdgeSecrets {
  /** The assertion signing key, when `MCP_EDGE_ASSERTION_KEY_ARN` is set. */
  readonly assertionKey?: KeyObject;
  /** Named secrets (`introspection.clientSecretEnv` → value), when `MCP_EDGE_SECRETS_ARN` is set. */
  readonly values: Readonly<Record<string, string>>;
}

/** Thrown when a secret cannot be read or has the wrong shape; the message names the variable, never the value. */
export class EdgeSecretsError extends Error {
  override readonly name = "EdgeSecretsError";
}

type Env = Readonly<Record<string, string | undefined>>;
const fault = (what: string) => new EdgeSecretsError(`MCP edge: ${what}`);

/** Whether the environment names any Secrets Manager secret (the entry then loads them before serving). */
export function usesSecretsManager(env: Env = process.env): boolean {
  return Boolean(env[ASSERTION_KEY_ARN_ENV] || env[SECRETS_ARN_ENV]);
}

const ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** The region of a secret ARN. @throws EdgeSecretsError naming `variable` */
export function regionOfSecretArn(arn: string, variable: string): string {
  const m = ARN.exec(arn);
  if (!m) throw fault(`${variable} is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)`);
  return m[1]!;
}

type SdkModule = typeof import("@aws-sdk/client-secrets-manager");

/**
 * The AWS SDK's Secrets Manager client. In the CommonJS bundle this is `require`, which resolves
 * the runtime's preinstalled SDK through `NODE_PATH` as Lambda sets it (an ES `import()` would not
 * look there); from the ES module sources (tests, local runs) it is a dynamic import.
 */
async function loadSdk(): Promise<SdkModule> {
  const id = "@aws-sdk/client-secrets-manager";
  if (typeof require === "function") return require(id) as SdkModule;
  return (await import(id)) as SdkModule;
}

/**
 * The default reader: `GetSecretValue` through the AWS SDK v3 that Lambda's Node.js runtimes ship
 * (external to the bundle, loaded only when a secret ARN is set, so a config-only edge pays nothing).
 * The client uses the function's role and the secret's own region.
 */
export function secretsManagerReader(): SecretReader {
  const clients = new Map<string, Promise<{ send(c: unknown): Promise<{ SecretString?: string }>; cmd(id: string): unknown }>>();
  const clientFor = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = loadSdk().then(({ SecretsManagerClient, GetSecretValueCommand }) => {
        const client = new SecretsManagerClient({ region });
        return { send: (cmd: unknown) => client.send(cmd as InstanceType<typeof GetSecretValueCommand>), cmd: (id: string) => new GetSecretValueCommand({ SecretId: id }) };
      });
      clients.set(region, c);
    }
    return c;
  };
  return async (arn) => {
    const client = await clientFor(regionOfSecretArn(arn, "secret"));
    const out = await client.send(client.cmd(arn));
    if (typeof out.SecretString !== "string") throw new Error("the secret has no string value");
    return out.SecretString;
  };
}

async function readJson(variable: string, arn: string, read: SecretReader): Promise<unknown> {
  regionOfSecretArn(arn, variable);
  let text: string;
  try {
    text = await read(arn);
  } catch (e) {
    // The SDK's error names (AccessDeniedException, ResourceNotFoundException) carry no secret.
    const why = (e as { name?: string }).name && (e as { name?: string }).name !== "Error" ? (e as { name: string }).name : (e as Error).message;
    throw fault(`cannot read the secret named by ${variable} (${why}); check that it exists and that the function's role may call secretsmanager:GetSecretValue on it`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw fault(`the secret named by ${variable} is not valid JSON`);
  }
}

/** Loads every secret the environment names, in parallel. @throws EdgeSecretsError */
export async function loadEdgeSecrets(env: Env = process.env, read: SecretReader = secretsManagerReader()): Promise<EdgeSecrets> {
  const keyArn = env[ASSERTION_KEY_ARN_ENV];
  const valuesArn = env[SECRETS_ARN_ENV];
  const [jwk, values] = await Promise.all([keyArn ? readJson(ASSERTION_KEY_ARN_ENV, keyArn, read) : undefined, valuesArn ? readJson(SECRETS_ARN_ENV, valuesArn, read) : undefined]);
  const out: { assertionKey?: KeyObject; values: Record<string, string> } = { values: {} };
  if (jwk !== undefined) out.assertionKey = privateKeyFrom(jwk);
  if (values !== undefined) {
    if (typeof values !== "object" || values === null || Array.isArray(values)) throw fault(`the secret named by ${SECRETS_ARN_ENV} must be a JSON object of names to strings`);
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== "string" || v.length === 0) throw fault(`the secret named by ${SECRETS_ARN_ENV} holds a non-string or empty value for ${k}`);
      out.values[k] = v;
    }
  }
  return out;
}

/** Imports the assertion key (RFC 7517 JWK with its private members). @throws EdgeSecretsError */
function privateKeyFrom(jwk: unknown): KeyObject {
  const { createPrivateKey } = (process as unknown as { getBuiltinModule(id: string): typeof import("node:crypto") }).getBuiltinModule("node:crypto");
  if (typeof jwk !== "object" || jwk === null || typeof (jwk as { kty?: unknown }).kty !== "string" || typeof (jwk as { d?: unknown }).d !== "string") {
    throw fault(`the secret named by ${ASSERTION_KEY_ARN_ENV} is not a private JWK (needs "kty" and "d")`);
  }
  try {
    return createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
  } catch {
    throw fault(`the secret named by ${ASSERTION_KEY_ARN_ENV} is not a usable private JWK`);
  }
}
