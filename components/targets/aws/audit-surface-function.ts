import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EdgeConfig } from "../../../lambda/config.js";
import { createEdgeFunction } from "./function.js";

/**
 * `McpEdge`'s `auditSurface`: the customer-admin audit surface as its own function behind a Function
 * URL, reading the edge's log group with CloudWatch Logs Insights (no second copy of the records),
 * behind OIDC sign-in at the organisation's IdP for members of the admin group.
 */
export interface AuditSurfaceArgs {
  /** OIDC issuer of the IdP admins sign in at (e.g. `https://acme.okta.com`). */
  issuer: string;
  /** A web client registered at the IdP with redirect URI `<auditSurfaceUrl>callback` (the output names it). */
  clientId: pulumi.Input<string>;
  /** Its client secret: a Pulumi secret; stored in Secrets Manager, never in the environment. */
  clientSecret: pulumi.Input<string>;
  /** IdP group whose members may use the surface (a declared group's `idpGroup`). */
  adminGroup: string;
  /** ID-token claim with the user's groups (default `groups`). */
  groupsClaim?: string;
  /** ID-token claim with the user's tenant: an admin with one sees only that tenant's records. */
  tenantClaim?: string;
  /** A prebuilt bundle (`index.cjs`); default: built with esbuild at deploy time. */
  bundleFile?: string;
}

async function surfaceBundle(): Promise<string> {
  const here = dirname(new URL(import.meta.url).pathname);
  const ts = join(here, "../../audit-surface/aws/entry.ts");
  const entry = existsSync(ts) ? ts : join(here, "../../audit-surface/aws/entry.js");
  const { buildFrontBundle } = await import("../../front/aws/build.js");
  return (await buildFrontBundle({ outdir: mkdtempSync(join(tmpdir(), "pulumi-mcp-auth-audit-surface-")), entry })).file;
}

export function createAuditSurfaceFunction(
  parent: pulumi.Resource,
  name: string,
  i: { args: AuditSurfaceArgs; logGroupName: pulumi.Input<string>; logGroupArn: pulumi.Input<string>; configs: pulumi.Input<EdgeConfig[]>; runtime: string; logRetentionDays: number; tags?: Record<string, string> | undefined },
) {
  const opts = { parent };
  const n = `${name}-audit-surface`;
  const secret = new aws.secretsmanager.Secret(n, { description: `OIDC client secret and cookie key of the audit surface of ${name}`, recoveryWindowInDays: 7, tags: i.tags }, opts);
  const cookieKey = randomBytes(32).toString("base64url");
  const version = new aws.secretsmanager.SecretVersion(
    n,
    { secretId: secret.id, secretString: pulumi.secret(pulumi.output(i.args.clientSecret).apply((clientSecret) => JSON.stringify({ clientSecret, cookieKey }))) },
    // The cookie key is generated once; later runs keep the stored one (sessions survive deploys).
    { parent, ignoreChanges: ["secretString"] },
  );
  const config = pulumi.all([i.logGroupName, i.args.clientId, i.configs]).apply(([group, clientId, configs]) =>
    JSON.stringify({
      logGroupNames: [group],
      adminGroup: i.args.adminGroup,
      issuer: i.args.issuer,
      clientId,
      ...(i.args.groupsClaim ? { groupsClaim: i.args.groupsClaim } : {}),
      ...(i.args.tenantClaim ? { tenantClaim: i.args.tenantClaim } : {}),
      scopes: Object.fromEntries(configs.flatMap((c) => Object.entries(c.scopes).map(([s, v]) => [s, v.sensitivity])).sort()),
    }),
  );
  const code = pulumi.all([config, i.args.bundleFile ?? surfaceBundle()]).apply(([text, file]) => new pulumi.asset.AssetArchive({ "index.cjs": new pulumi.asset.FileAsset(file), "audit-surface-config.json": new pulumi.asset.StringAsset(text) }));
  const { role, fn } = createEdgeFunction(parent, {
    name: n,
    code,
    handler: "index.handler",
    runtime: i.runtime,
    memoryMb: 256,
    timeoutSeconds: 30,
    logRetentionDays: i.logRetentionDays,
    environment: { MCP_AUDIT_SURFACE_SECRET_ARN: secret.arn },
    secretArns: [secret.arn],
    dependsOn: [version],
    description: `MCP auth audit surface of ${name} (read-only)`,
    tags: i.tags,
  });
  // Read-only: Logs Insights queries on the edge's log group, nothing else.
  new aws.iam.RolePolicy(
    `${n}-insights`,
    {
      role: role.id,
      policy: pulumi.output(i.logGroupArn).apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["logs:StartQuery"], Resource: [arn.endsWith(":*") ? arn : `${arn}:*`] },
            { Effect: "Allow", Action: ["logs:GetQueryResults", "logs:StopQuery"], Resource: "*" },
          ],
        }),
      ),
    },
    opts,
  );
  const url = new aws.lambda.FunctionUrl(`${n}-url`, { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" }, opts);
  // Since October 2025 a public Function URL needs both statements; with only the first, every
  // request is answered 403 by the Lambda front end (as for the edge's and the front's URLs).
  new aws.lambda.Permission(`${n}-url-public`, { action: "lambda:InvokeFunctionUrl", function: fn.name, principal: "*", functionUrlAuthType: "NONE" }, opts);
  new aws.lambda.Permission(`${n}-url-invoke`, { action: "lambda:InvokeFunction", function: fn.name, principal: "*", invokedViaFunctionUrl: true }, opts);
  return { url: url.functionUrl, callbackUrl: url.functionUrl.apply((u) => `${u.replace(/\/+$/, "")}/callback`), fn };
}
