/**
 * The front's Lambda cold path without the network, shared by the bundle test and bench/front.ts:
 * a CommonJS script that requires the bundle (as the Lambda nodejs runtime loads index.cjs), creates
 * the DynamoDB client, builds the front from injected config and secret, and answers one Function
 * URL event (discovery). It prints one JSON line: the status, the issuer in the body, and the time
 * from process start.
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
    `const { createHandler } = require(${JSON.stringify(bundleFile)});
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const handler = createHandler({
  env: { MCP_FRONT_TABLE: "front", MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:front" },
  readConfig: () => ${JSON.stringify(config)},
  readSecret: async () => ${JSON.stringify(secret)},
  // No request reaches DynamoDB on this path: discovery reads nothing from the store.
  dynamo: async () => new DynamoDBClient({ region: "eu-west-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "x", secretAccessKey: "x" } }),
  write: () => {},
});
handler({ version: "2.0", rawPath: "/.well-known/oauth-authorization-server", rawQueryString: "", headers: { host: "abc.lambda-url.eu-west-1.on.aws" }, isBase64Encoded: false, requestContext: { http: { method: "GET", path: "/.well-known/oauth-authorization-server", sourceIp: "203.0.113.1", protocol: "HTTP/1.1", userAgent: "bench" } } })
  .then((r) => {
    const ms = performance.now();
    process.stdout.write(JSON.stringify({ status: r.statusCode, issuer: JSON.parse(r.body).issuer, ms }) + "\\n");
  });
`,
  );
  return script;
}
