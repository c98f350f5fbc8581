import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IdpTokenFacts } from "../../edge-config.js";
import { FRONT_CONFIG_FILE, FRONT_ENV, type FrontLambdaConfig } from "../../front/aws/config.js";
import { deriveSecret, FRONT_EDGE_CLIENT_ID, parseSigningKey, publicJwk } from "../../front/aws/derive.js";
import { checkCertificateArn } from "./args.js";
import { validateFrontArgs, type McpAuthFrontArgs } from "./front-args.js";
import { createFrontAlarms, createFrontKey, createFrontTableResource, frontDataPolicy } from "./front-resources.js";
import { createEdgeFunction } from "./function.js";
import { createCustomDomain } from "./gateway.js";

/** The type token of {@link McpAuthFront}. */
export const MCP_AUTH_FRONT_TYPE = "pulumi-mcp-auth:aws:McpAuthFront";
/** Tag marking the front's function. */
export const FRONT_TAG = "pulumi-mcp-auth:front";
/** The environment variable the edge reads the front's client secret from (`secretEnvironment` of `McpEdge`). */
export const FRONT_EDGE_SECRET_ENV = "MCP_FRONT_EDGE_CLIENT_SECRET";

function publicKeys(args: McpAuthFrontArgs): Record<string, Record<string, unknown>> | undefined {
  const entries = Object.entries(args.clientCredentials ?? {}).flatMap(([id, c]) => (c.publicJwk ? [[id, { ...c.publicJwk }] as const] : []));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

async function frontBundle(bundleFile: string | undefined): Promise<string> {
  if (bundleFile) return bundleFile;
  const { buildFrontBundle } = await import("../../front/aws/build.js");
  return (await buildFrontBundle({ outdir: mkdtempSync(join(tmpdir(), "pulumi-mcp-auth-front-")) })).file;
}

/**
 * The MCP authorization front on AWS: a Lambda (arm64, Node 22) behind a Function URL, or your own
 * host through CloudFront, its DynamoDB table (on-demand, TTL, point-in-time recovery, deletion
 * protection, encrypted with the front's KMS key), the signing key and upstream client secret in
 * Secrets Manager (encrypted with the same key; never an environment variable), alarms on
 * registration bursts and failed sign-ins. Its `tokenFacts` output is what `edgeConfigFor` takes
 * to make `McpEdge` trust the front as issuer. See docs/aws.md.
 */
export class McpAuthFront extends pulumi.ComponentResource {
  /** The front's issuer URL (no trailing slash). */
  declare readonly issuer: pulumi.Output<string>;
  declare readonly jwksUri: pulumi.Output<string>;
  /** The public signing keys, as published at `jwksUri` (for the edge's deploy-time snapshot). */
  declare readonly jwks: pulumi.Output<{ keys: Array<{ kty: string; [k: string]: unknown }> }>;
  /** RFC 7662 endpoint and the edge's client at the front. */
  declare readonly introspectionEndpoint: pulumi.Output<string>;
  declare readonly edgeClientId: pulumi.Output<string>;
  /** A Pulumi secret: give it to `McpEdge` in `secretEnvironment[FRONT_EDGE_SECRET_ENV]`. */
  declare readonly edgeClientSecret: pulumi.Output<string>;
  /** Everything `edgeConfigFor(plan, server, facts)` needs to trust the front. */
  declare readonly tokenFacts: pulumi.Output<IdpTokenFacts>;
  declare readonly tableName: pulumi.Output<string>;
  declare readonly tableArn: pulumi.Output<string>;
  declare readonly functionName: pulumi.Output<string>;
  declare readonly functionUrl: pulumi.Output<string>;
  declare readonly distributionDomainName: pulumi.Output<string | undefined>;
  declare readonly logGroupName: pulumi.Output<string>;
  declare readonly secretArn: pulumi.Output<string>;
  declare readonly kmsKeyArn: pulumi.Output<string>;
  declare readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: McpAuthFrontArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate every plain argument before registering anything, the component itself included.
    const a = validateFrontArgs(name, args);
    super(MCP_AUTH_FRONT_TYPE, name, {}, opts);
    const tags = { ...(args.tags ?? {}), [FRONT_TAG]: name };
    const key = createFrontKey(this, name, tags);
    const table = createFrontTableResource(this, name, key, { tableName: a.tableName, deletionProtection: a.deletionProtection, tags });

    // The signing key is checked once it resolves; its public half and derived values flow on.
    const signing = pulumi.secret(pulumi.output(args.signingKey).apply((text) => parseSigningKey(text, `McpAuthFront ${name}: signingKey`)));
    const jwks = pulumi.unsecret(signing.apply((k) => ({ keys: [publicJwk(k) as { kty: string; [k: string]: unknown }] })));
    const edgeClientSecret = pulumi.secret(signing.apply((k) => deriveSecret(k, "edge-client")));

    const config: FrontLambdaConfig = {
      configVersion: 1 as const,
      plan: args.plan as unknown as Record<string, unknown>,
      ...(publicKeys(args) ? { clientPublicKeys: publicKeys(args) } : {}),
      ...(a.dcrDenyList ? { dcrDenyList: a.dcrDenyList } : {}),
    };
    const code = pulumi
      .all([config, frontBundle(a.bundleFile)])
      .apply(([c, file]) => new pulumi.asset.AssetArchive({ "index.cjs": new pulumi.asset.FileAsset(file), [FRONT_CONFIG_FILE]: new pulumi.asset.StringAsset(`${JSON.stringify(c)}\n`) }));

    // The issuer is known only once the Function URL exists (or from the custom domain), and the
    // upstream client may register the front's callback URL; both reach the function through the
    // secret, whose value is written last.
    const secret = new aws.secretsmanager.Secret(
      `${name}-secrets`,
      { description: `MCP authorization front ${name}: issuer, signing key, upstream client secret`, kmsKeyId: key.arn, recoveryWindowInDays: 7, tags },
      { parent: this },
    );
    // Child names end in `-front` so that a front and an edge may share a name (log group
    // `/pulumi-mcp-auth/<project>/<stack>/<name>-front` beside the edge's `…/<name>`).
    const { logGroup, role, fn } = createEdgeFunction(this, {
      name: `${name}-front`,
      code,
      handler: "index.handler",
      runtime: a.runtime,
      memoryMb: a.memoryMb,
      timeoutSeconds: a.timeoutSeconds,
      reservedConcurrency: a.reservedConcurrency,
      logRetentionDays: a.logRetentionDays,
      logKmsKeyArn: args.logKmsKeyArn,
      // Names only: the secret values live in Secrets Manager.
      environment: { [FRONT_ENV.tableName]: table.name, [FRONT_ENV.secretArn]: secret.arn },
      // Read through the front's own data policy (with its KMS key), below.
      secretArns: [],
      description: `MCP authorization front ${name}`,
      tags,
    });
    new aws.iam.RolePolicy(`${name}-data`, { role: role.id, policy: pulumi.all([table.arn, secret.arn, key.arn]).apply(([t, s, k]) => frontDataPolicy(t, s, k)) }, { parent: this });

    // Buffered Function URL: the front's answers are small JSON and HTML pages.
    const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" }, { parent: this });
    new aws.lambda.Permission(`${name}-url-public`, { action: "lambda:InvokeFunctionUrl", function: fn.name, principal: "*", functionUrlAuthType: "NONE" }, { parent: this });
    new aws.lambda.Permission(`${name}-url-invoke`, { action: "lambda:InvokeFunction", function: fn.name, principal: "*", invokedViaFunctionUrl: true }, { parent: this });
    let distributionDomainName: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (a.customDomain && args.customDomain) {
      // CloudFront takes ACM certificates from us-east-1 only: a plain ARN was checked by zod, an Output is checked when it resolves.
      const certificateArn = pulumi.output(args.customDomain.certificateArn).apply(checkCertificateArn);
      const { distribution } = createCustomDomain(this, name, url.functionUrl, { ...args.customDomain, domainName: a.customDomain.domainName, certificateArn }, tags);
      distributionDomainName = distribution.domainName;
    }
    const issuer = a.customDomain ? pulumi.output(`https://${a.customDomain.domainName}`) : url.functionUrl.apply((u) => u.replace(/\/+$/, ""));

    const u = args.upstream;
    const clientSecrets = pulumi.all(Object.fromEntries(Object.entries(args.clientCredentials ?? {}).flatMap(([id, c]) => (c.clientSecret !== undefined ? [[id, c.clientSecret]] : []))));
    const secretString = pulumi.all([issuer, signing, u.issuer, u.clientId, pulumi.output(u.clientSecret), pulumi.output(u.groupsClaim), pulumi.output(u.tenantClaim), clientSecrets]).apply(([iss, k, upIssuer, upClientId, upSecret, groupsClaim, tenantClaim, secrets]) =>
      JSON.stringify({
        issuer: iss,
        signingKey: k,
        upstream: {
          issuer: upIssuer,
          clientId: upClientId,
          ...(upSecret ? { clientSecret: upSecret } : {}),
          ...(u.scopes ? { scopes: [...u.scopes] } : {}),
          ...(groupsClaim ? { groupsClaim } : {}),
          ...(tenantClaim ? { tenantClaim } : {}),
        },
        ...(Object.keys(secrets).length ? { clientSecrets: secrets } : {}),
      }),
    );
    new aws.secretsmanager.SecretVersion(`${name}-secrets-v`, { secretId: secret.id, secretString: pulumi.secret(secretString) }, { parent: this });

    const alarms = createFrontAlarms(this, name, logGroup.name, { ...a.alarms, actions: args.alarms?.actions }, tags);

    const jwksUri = issuer.apply((i) => `${i}/jwks`);
    const introspectionEndpoint = issuer.apply((i) => `${i}/token/introspection`);
    const tokenFacts = pulumi.all([issuer, jwks]).apply(([iss, keys]): IdpTokenFacts => ({
      issuer: iss,
      jwksUri: `${iss}/jwks`,
      jwks: keys,
      // RFC 9068 access tokens, signed with the front's key.
      tokenTypes: ["at+jwt"],
      algorithms: [String(keys.keys[0]?.["alg"] ?? "RS256")] as IdpTokenFacts["algorithms"],
      introspection: { endpoint: `${iss}/token/introspection`, clientId: FRONT_EDGE_CLIENT_ID, clientSecretEnv: FRONT_EDGE_SECRET_ENV },
    }));

    const outputs = {
      issuer,
      jwksUri,
      jwks,
      introspectionEndpoint,
      edgeClientId: pulumi.output(FRONT_EDGE_CLIENT_ID),
      edgeClientSecret,
      tokenFacts,
      tableName: table.name,
      tableArn: table.arn,
      functionName: fn.name,
      functionUrl: url.functionUrl,
      distributionDomainName,
      logGroupName: logGroup.name,
      secretArn: secret.arn,
      kmsKeyArn: key.arn,
      alarmNames: pulumi.all(alarms.map((al) => al.name)),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
