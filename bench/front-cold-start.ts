/**
 * The front's Lambda cold path without the network, shared by the bundle test and bench/front.ts:
 * a CommonJS script that requires the bundle (as the Lambda nodejs runtime loads index.cjs), lets
 * the handler create its DynamoDB client the way it does on Lambda (the bundle's own SDK, region
 * and credentials from the environment the Lambda runtime sets, here a closed local endpoint),
 * builds the front from injected config and secret, and answers one Function URL event
 * (discovery). It prints one JSON line: the status, the issuer in the body, the time from process
 * start, the process's CPU time so far, whether the DynamoDB client was constructed, and the
 * phases (process start to the script, require of the bundle, handler start and the answer).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";

export function coldStartScript(dir: string, bundleFile: string, plan: unknown): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "bench", alg: "RS256" };
  const secret = JSON.stringify({ issuer: "https://auth.example.com", signingKey: jwk, upstream: { issuer: "https://idp.example.com", clientId: "front", clientSecret: "s3cret-s3cret-s3cret" } });
  // The CRM plan's agent authenticates with private_key_jwt and has no jwksUri: its public key comes from the config.
  const agent = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const config = JSON.stringify({ configVersion: 1, plan, clientPublicKeys: { "nightly-digest": { ...agent, kid: "agent", alg: "ES256" } } });
  const script = join(dir, "front-cold.cjs");
  writeFileSync(
    script,
    `// What the Lambda runtime sets (credentials of the function's role, its region); the endpoint is closed.
Object.assign(process.env, { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_SESSION_TOKEN: "x", AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" });
const loadStart = performance.now();
const { createHandler, createDefaultDynamoClient } = require(${JSON.stringify(bundleFile)});
const loaded = performance.now();
let dynamoClient = false;
const handler = createHandler({
  env: { MCP_FRONT_TABLE: "front", MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:front" },
  readConfig: () => ${JSON.stringify(config)},
  readSecret: async () => ${JSON.stringify(secret)},
  // The handler's default client (the SDK inside the bundle); no request reaches DynamoDB on this
  // path: discovery reads nothing from the store.
  dynamo: async () => {
    const client = await createDefaultDynamoClient();
    dynamoClient = typeof client.call === "function";
    return client;
  },
  write: () => {},
});
handler({ version: "2.0", rawPath: "/.well-known/oauth-authorization-server", rawQueryString: "", headers: { host: "abc.lambda-url.eu-west-1.on.aws" }, isBase64Encoded: false, requestContext: { http: { method: "GET", path: "/.well-known/oauth-authorization-server", sourceIp: "203.0.113.1", protocol: "HTTP/1.1", userAgent: "bench" } } })
  .then((r) => {
    const ms = performance.now();
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ status: r.statusCode, issuer: JSON.parse(r.body).issuer, ms, cpuMs: (cpu.user + cpu.system) / 1000, dynamoClient, phases: { toScript: loadStart, require: loaded - loadStart, startAndAnswer: ms - loaded } }) + "\\n");
  });
`,
  );
  return script;
}
