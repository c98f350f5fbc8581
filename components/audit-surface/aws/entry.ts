import type { LambdaFunctionURLEvent } from "aws-lambda";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseOrExplain } from "../../front/aws/config.js";
import { createSurfaceHandler, SurfaceLambdaConfigSchema, SurfaceSecretsSchema, type SurfaceLambdaHandler } from "./handler.js";

/** Where the audit surface function finds its config (archive) and its secret (Secrets Manager ARN). */
export const SURFACE_CONFIG_FILE = "audit-surface-config.json";
export const SURFACE_SECRET_ENV = "MCP_AUDIT_SURFACE_SECRET_ARN";

async function init(): Promise<SurfaceLambdaHandler> {
  const config = parseOrExplain(SurfaceLambdaConfigSchema, JSON.parse(readFileSync(join(__dirname, SURFACE_CONFIG_FILE), "utf8")), SURFACE_CONFIG_FILE);
  const arn = process.env[SURFACE_SECRET_ENV];
  if (!arn) throw new Error(`audit surface: ${SURFACE_SECRET_ENV} is not set; deploy it with McpEdge's auditSurface option`);
  // The Lambda Node.js runtime ships the AWS SDK v3 (not bundled).
  const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  const secrets = parseOrExplain(SurfaceSecretsSchema, JSON.parse(secret.SecretString ?? "{}"), "the audit surface secret");
  return createSurfaceHandler({ config, secrets, logs: new CloudWatchLogsClient({}), log: (line) => process.stdout.write(`${JSON.stringify({ level: "info", event: "audit_surface", detail: line })}\n`) });
}

const ready = init();
ready.catch(() => undefined);

/** Function URL handler (buffered). A failed init answers 503 on every request (fail closed). */
export async function handler(event: LambdaFunctionURLEvent): Promise<unknown> {
  try {
    return await (await ready)(event);
  } catch (e) {
    process.stderr.write(`${JSON.stringify({ level: "error", event: "audit_surface_init_failed", detail: (e as Error).message })}\n`);
    return { statusCode: 503, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: '{"error":"audit_surface_unavailable"}', isBase64Encoded: false };
  }
}
