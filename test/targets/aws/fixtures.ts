import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { edgeConfigFor, type IdpTokenFacts } from "../../../components/edge-config.js";
import type { EdgeConfig } from "../../../lambda/config.js";

/** Test issuer facts (an Okta-shaped custom authorization server). */
export const ISSUER = "https://example.okta.com/oauth2/aus1crm";
export const JWKS_URI = `${ISSUER}/v1/keys`;

/** The CRM example's edge config for one server. */
export function crmConfig(server: "crm" | "crm-admin", facts: Partial<IdpTokenFacts> = {}): EdgeConfig {
  return edgeConfigFor(compile(crm), server, { issuer: ISSUER, jwksUri: JWKS_URI, ...facts });
}

/** A stand-in bundle file (mock tests never read it; the bundle tests build a real one). */
export function fakeBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-edge-fake-"));
  const file = join(dir, "index.cjs");
  writeFileSync(file, "exports.handler = async () => ({ statusCode: 500 });\n");
  return file;
}

/** Mock state for the AWS resources the component reads outputs from. */
export function awsState(args: { type: string; name: string; inputs: Record<string, any> }): Record<string, unknown> | undefined {
  switch (args.type) {
    case "aws:lambda/function:Function":
      return { name: args.name, arn: `arn:aws:lambda:eu-west-1:123456789012:function:${args.name}`, invokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:${args.name}/invocations` };
    case "aws:lambda/functionUrl:FunctionUrl":
      return { functionUrl: "https://abc123xyz.lambda-url.eu-west-1.on.aws/" };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:eu-west-1:123456789012:log-group:${args.inputs.name}` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::123456789012:role/${args.name}`, name: args.name };
    case "aws:cloudfront/distribution:Distribution":
      return { domainName: "d111111abcdef8.cloudfront.net" };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { name: args.name };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${args.name}-AbCdEf` };
    default:
      return undefined;
  }
}

/** A REST API as an existing stack would pass it. */
export const REST_API = {
  id: "a1b2c3d4e5",
  rootResourceId: "root0000",
  executionArn: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5",
} as const;
