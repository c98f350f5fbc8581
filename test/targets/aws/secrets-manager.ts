import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/**
 * A loopback stand-in for the AWS Secrets Manager `GetSecretValue` API (JSON 1.1 protocol:
 * `POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, `{"SecretId": …}`), so the real AWS
 * SDK inside the deployed bundle reads the secrets the component stored, through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */
export interface FakeSecretsManager {
  url: string;
  /** SecretIds asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(secrets: Readonly<Record<string, string>>): Promise<FakeSecretsManager> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      const id = (JSON.parse(body || "{}") as { SecretId?: string }).SecretId ?? "";
      requests.push(id);
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (target !== "secretsmanager.GetSecretValue" || !(id in secrets)) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      res.end(JSON.stringify({ ARN: id, Name: id.split(":").pop(), SecretString: secrets[id], VersionId: "v1", VersionStages: ["AWSCURRENT"], CreatedDate: 1_700_000_000 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Loads a deployed bundle in a fresh Node process with the given environment (as Lambda would:
 * `require` of `index.cjs`, the AWS SDK resolved outside the bundle) and sends it Function URL
 * events for `paths`. @returns per path the status and body, or the init/handler error message.
 */
export function invokeBundle(dir: string, env: Record<string, string>, paths: readonly string[]): Promise<{ results?: Array<{ status: number; body: string }>; error?: string; stderr: string }> {
  const script = `
const { handler } = require(${JSON.stringify(join(dir, "index.cjs"))});
const event = (p) => ({ rawPath: p, rawQueryString: "", headers: { host: "mcp.example.com", "x-forwarded-proto": "https" }, isBase64Encoded: false,
  requestContext: { domainName: "mcp.example.com", http: { method: "GET", sourceIp: "198.51.100.7" } } });
(async () => {
  const results = [];
  for (const p of ${JSON.stringify(paths)}) { const r = await handler(event(p)); results.push({ status: r.statusCode, body: r.body }); }
  process.stdout.write(JSON.stringify({ results }));
})().catch((e) => process.stdout.write(JSON.stringify({ error: String(e && e.message) })));
`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script],
      // NODE_PATH: the runtime's preinstalled AWS SDK, here the project's node_modules.
      { env: { PATH: process.env.PATH ?? "", NODE_PATH: join(ROOT, "node_modules"), ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        // A throw at module load ends the process before any output: the init error is its stderr.
        if (err && !stdout) return resolve({ error: /^\w*Error: .*$/m.exec(stderr)?.[0] ?? `exit ${String(err.code)}`, stderr });
        try {
          resolve({ ...(JSON.parse(stdout) as object), stderr });
        } catch {
          resolve({ error: `no result: ${stdout}`, stderr });
        }
      },
    );
  });
}
