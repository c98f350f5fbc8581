import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RequestListener } from "node:http";
import type { LambdaFunctionURLEvent } from "aws-lambda";
import type { DynamoApi } from "../store/dynamo-api.js";
import { createDynamoApiStore } from "../store/dynamodb-store.js";
import type { FrontStore } from "../store/types.js";
import { invokeListener, type FunctionUrlResult } from "./adapter.js";
import { FRONT_CONFIG_FILE, FRONT_ENV, FrontLambdaConfigSchema, FrontSecretsSchema, parseOrExplain, type FrontLambdaConfig, type FrontSecrets } from "./config.js";
import { deriveSecret, FRONT_EDGE_CLIENT_ID, parseSigningKey, type SigningJwk } from "./derive.js";
import { dynamoClientFromEnv } from "./dynamo-client.js";
import { readSecretString } from "./secret-source.js";

/**
 * The front's Lambda home: at cold start it reads `front-config.json`, the one Secrets Manager
 * secret and opens the DynamoDB store, then hands every Function URL event to the front's node
 * request listener. Fails closed: until the front is built, every request is answered 503.
 */

/** What the listener factory gets: everything the front needs, resolved. */
export interface FrontLambdaContext {
  config: FrontLambdaConfig;
  issuer: string;
  signingKey: SigningJwk;
  cookieKeys: string[];
  /** The upstream IdP client (UpstreamConfig of the front). */
  upstream: FrontSecrets["upstream"];
  edgeClient: { id: string; secret: string };
  /** Keys or secrets of pre-registered confidential clients, by client ID. */
  clientCredentials: Record<string, { publicJwk?: Record<string, unknown>; clientSecret?: string }>;
  store: FrontStore;
  /** One JSON line per call on stdout (CloudWatch metric filters read them); never pass a token, secret or code. */
  log: (line: string) => void;
}

export interface FrontHandlerDeps {
  createListener(ctx: FrontLambdaContext): Promise<RequestListener>;
  /** Default: `front-config.json` next to the bundle. */
  readConfig?: () => string;
  /** Default: Secrets Manager `GetSecretValue` (`secret-source.ts`). */
  readSecret?: (arn: string) => Promise<string>;
  /** Default: the front's DynamoDB client (`dynamo-client.ts`) for the function's region. */
  dynamo?: () => Promise<DynamoApi>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where log lines go. Default: stdout. */
  write?: (line: string) => void;
}

export type FrontLambdaHandler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResult>;

const defaultReadSecret = (arn: string): Promise<string> => readSecretString(arn);

/** The deployed handler's DynamoDB client: region, credentials and endpoint from the Lambda environment. */
export async function createDefaultDynamoClient(): Promise<DynamoApi> {
  return dynamoClientFromEnv(process.env);
}

/** Logs each registration attempt as a JSON line the `registrations` metric filter counts. */
function loggingStore(store: FrontStore, write: (line: string) => void): FrontStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== "recordRegistration") return Reflect.get(target, prop, receiver);
      return async (record: Parameters<FrontStore["recordRegistration"]>[0]) => {
        write(JSON.stringify({ event: "registration", via: record.via, accepted: record.accepted, sourceIp: record.sourceIp, ...(record.reason ? { reason: record.reason } : {}) }));
        return target.recordRegistration(record);
      };
    },
  });
}

function clientCredentialsOf(config: FrontLambdaConfig, secrets: FrontSecrets): FrontLambdaContext["clientCredentials"] {
  const out: FrontLambdaContext["clientCredentials"] = {};
  for (const [id, publicJwk] of Object.entries(config.clientPublicKeys ?? {})) out[id] = { publicJwk };
  for (const [id, clientSecret] of Object.entries(secrets.clientSecrets ?? {})) out[id] = { ...out[id], clientSecret };
  return out;
}

export function createFrontHandler(deps: FrontHandlerDeps): FrontLambdaHandler {
  const env = deps.env ?? process.env;
  const write = deps.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  let ready: Promise<{ listener: RequestListener; issuer: string }> | undefined;

  async function build(): Promise<{ listener: RequestListener; issuer: string }> {
    const tableName = env[FRONT_ENV.tableName];
    const secretArn = env[FRONT_ENV.secretArn];
    if (!tableName || !secretArn) throw new Error(`the front needs ${FRONT_ENV.tableName} and ${FRONT_ENV.secretArn} in its environment (McpAuthFront sets both)`);
    const readConfig = deps.readConfig ?? (() => readFileSync(join(__dirname, FRONT_CONFIG_FILE), "utf8"));
    const [configText, secretText, client] = await Promise.all([Promise.resolve().then(readConfig), (deps.readSecret ?? defaultReadSecret)(secretArn), (deps.dynamo ?? createDefaultDynamoClient)()]);
    const config = parseOrExplain(FrontLambdaConfigSchema, JSON.parse(configText), FRONT_CONFIG_FILE);
    const secrets: FrontSecrets = parseOrExplain(FrontSecretsSchema, JSON.parse(secretText), "the front's secret");
    const signingKey = parseSigningKey(JSON.stringify(secrets.signingKey), "the front's secret: signingKey");
    const store = loggingStore(createDynamoApiStore({ client, tableName }), write);
    const log = (line: string) => write(JSON.stringify({ event: "front", message: line }));
    const listener = await deps.createListener({
      config,
      issuer: secrets.issuer,
      signingKey,
      cookieKeys: [deriveSecret(signingKey, "cookies")],
      upstream: secrets.upstream,
      edgeClient: { id: FRONT_EDGE_CLIENT_ID, secret: deriveSecret(signingKey, "edge-client") },
      clientCredentials: clientCredentialsOf(config, secrets),
      store,
      log,
    });
    return { listener, issuer: secrets.issuer };
  }

  return async (event) => {
    ready ??= build();
    let front: { listener: RequestListener; issuer: string };
    try {
      front = await ready;
    } catch (err) {
      // Try again on the next request (a throttled secret read must not poison the instance).
      ready = undefined;
      write(JSON.stringify({ event: "front_start_failed", error: (err as Error).message }));
      return { statusCode: 503, headers: { "content-type": "application/json", "cache-control": "no-store", "retry-after": "1" }, body: JSON.stringify({ error: "temporarily_unavailable", error_description: "the authorization server is starting or misconfigured; see its logs" }), isBase64Encoded: false };
    }
    return invokeListener(front.listener, event, { publicOrigin: new URL(front.issuer).origin });
  };
}
