import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../../../lambda/config.js";
import { AWS_EDGE_DEFAULTS, checkAuditHmacKey, validateEdgeArgs, type McpEdgeArgs } from "./args.js";
import { edgeArchive, edgeConfigFileText } from "./archive.js";
import { createAuditSurface } from "./audit.js";
import { createAuditArchive } from "./audit-archive.js";
import { createAuditSurfaceFunction } from "./audit-surface-function.js";
import { AUDIT_ENV } from "../../../lambda/aws/audit-checkpoints.js";
import { EDGE_HANDLER, resolveBundle } from "./bundle.js";
import { createEdgeFunction, functionDescription } from "./function.js";
import { createCustomDomain, createFunctionUrl } from "./gateway.js";
import { edgeInputs } from "./inputs.js";
import { createEdgeSecrets } from "./secrets.js";
import { createRestApiAuthorizer } from "./restapi.js";
import { metadataUrlFor, rebase } from "./urls.js";

/** The type token of {@link McpEdge}. */
export const MCP_EDGE_TYPE = "pulumi-mcp-auth:aws:McpEdge";

/** Tag marking the edge function (the policy pack recognises edge Lambdas by it). */
export const EDGE_TAG = "pulumi-mcp-auth:edge";

/** Public URLs of one MCP server behind the edge. */
export interface McpEdgeServerUrls {
  /** The canonical resource URI (RFC 9728 `resource`, token audience). */
  resource: string;
  /** Where clients reach the MCP endpoint. Equals `resource` with a custom domain. */
  mcpUrl: string;
  /** The RFC 9728 metadata URL clients discover (path-inserted, §3.1). */
  metadataUrl: string;
}

/** Every output of {@link McpEdge}, built once from one record and registered as is. */
export interface McpEdgeOutputs {
  /** Per server name. */
  servers: pulumi.Output<Record<string, McpEdgeServerUrls>>;
  functionName: pulumi.Output<string>;
  functionArn: pulumi.Output<string>;
  roleArn: pulumi.Output<string>;
  logGroupName: pulumi.Output<string>;
  /** Gateway mode: the Function URL (ends with `/`). */
  functionUrl: pulumi.Output<string | undefined>;
  /** Gateway mode with a custom domain: the CloudFront domain to point DNS at. */
  distributionDomainName: pulumi.Output<string | undefined>;
  /** Authorizer mode: set `authorization: "CUSTOM"` and this `authorizerId` on your MCP methods. */
  authorizerId: pulumi.Output<string | undefined>;
  /** Authorizer mode: put it in your `aws.apigateway.Deployment` `triggers` so the stage picks up the gateway responses. */
  deploymentTrigger: pulumi.Output<string | undefined>;
  /** Names of the saved Logs Insights queries. */
  queryNames: pulumi.Output<string[]>;
  /** Names of the CloudWatch alarms. */
  alarmNames: pulumi.Output<string[]>;
  /** With `auditArchive`: the Object Lock bucket holding `records/` and `checkpoints/`. */
  auditArchiveBucket: pulumi.Output<string | undefined>;
  /** With `auditArchive`: the KMS key signing checkpoints (`aws kms get-public-key` gives `audit verify --key`). */
  auditSigningKeyArn: pulumi.Output<string | undefined>;
  /** With `auditSurface`: the surface's URL, and the callback URL to register at the IdP. */
  auditSurfaceUrl: pulumi.Output<string | undefined>;
  auditSurfaceCallbackUrl: pulumi.Output<string | undefined>;
}

/**
 * The MCP authorization edge on AWS for one or more MCP servers: one Lambda (arm64, JSON logs, a
 * retained log group with declared retention, a least-privilege role), its config shipped inside the
 * deployment archive, its secrets (assertion key, introspection client secret) in Secrets Manager
 * read once at init, each server's config and the introspection secret taken from the IdP
 * component when `idp` is given, and a public entry point — a streaming Function URL that forwards allowed
 * requests (gateway mode, default) or a REST API Lambda authorizer with challenge-carrying gateway
 * responses (authorizer mode) — plus saved audit queries, metric filters and alarms.
 * See docs/aws.md.
 */
/** Adds the audit archive's HMAC key (a secret) to the named-secrets document the function reads at init. */
function withAuditHmacKey(doc: pulumi.Output<string> | undefined, key: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
  if (key === undefined) return doc;
  // A key known only as an Output is checked here, when it resolves (a plain one was checked by zod):
  // a short key fails the deployment, not every cold start.
  return pulumi.secret(pulumi.all([doc ?? "{}", key]).apply(([d, k]) => JSON.stringify({ ...(JSON.parse(d) as Record<string, string>), [AUDIT_ENV.hmacKey]: checkAuditHmacKey(k) })));
}

export class McpEdge extends pulumi.ComponentResource implements McpEdgeOutputs {
  declare readonly servers: McpEdgeOutputs["servers"];
  declare readonly functionName: McpEdgeOutputs["functionName"];
  declare readonly functionArn: McpEdgeOutputs["functionArn"];
  declare readonly roleArn: McpEdgeOutputs["roleArn"];
  declare readonly logGroupName: McpEdgeOutputs["logGroupName"];
  declare readonly functionUrl: McpEdgeOutputs["functionUrl"];
  declare readonly distributionDomainName: McpEdgeOutputs["distributionDomainName"];
  declare readonly authorizerId: McpEdgeOutputs["authorizerId"];
  declare readonly deploymentTrigger: McpEdgeOutputs["deploymentTrigger"];
  declare readonly queryNames: McpEdgeOutputs["queryNames"];
  declare readonly alarmNames: McpEdgeOutputs["alarmNames"];
  declare readonly auditArchiveBucket: McpEdgeOutputs["auditArchiveBucket"];
  declare readonly auditSigningKeyArn: McpEdgeOutputs["auditSigningKeyArn"];
  declare readonly auditSurfaceUrl: McpEdgeOutputs["auditSurfaceUrl"];
  declare readonly auditSurfaceCallbackUrl: McpEdgeOutputs["auditSurfaceCallbackUrl"];
  /** The deployment archive (bundle + `edge-config.json`), for inspection; not a stack output. */
  readonly archive: pulumi.Output<pulumi.asset.AssetArchive>;

  constructor(name: string, args: McpEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate every plain argument before registering anything (fails the preview with the field named).
    // auditArchive and auditSurface included: every problem in one McpEdgeArgsError.
    const a = validateEdgeArgs(args);
    super(MCP_EDGE_TYPE, name, {}, opts);
    const mode = a.mode;

    const { configs, checked, certificateArn, namedSecrets } = edgeInputs(args, a);
    const names = a.servers.map((s) => s.name);
    // An edge config holds no secret by schema (introspection names a secret, never holds it), so
    // the archive is not marked secret even when an IdP output was. The function's code is this
    // archive: every check in edgeInputs runs before the function can exist.
    const code = (this.archive = pulumi
      .all([pulumi.unsecret(checked), resolveBundle(mode, a.bundleFile)])
      .apply(([cs, file]) => edgeArchive(file, edgeConfigFileText(cs))));

    const archive = args.auditArchive ? createAuditArchive(this, name, args.auditArchive, { retentionDays: a.logRetentionDays, tags: args.tags }) : undefined;
    const secrets = createEdgeSecrets(this, {
      name,
      assertionKey: mode === "authorizer" ? undefined : args.assertionKey !== undefined ? { given: args.assertionKey } : { generate: a.assertionKeyType },
      namedSecrets: withAuditHmacKey(namedSecrets, args.auditArchive?.hmacKey),
      kmsKeyArn: args.secretsKmsKeyArn,
      tags: args.tags,
    });
    const tags = { ...(args.tags ?? {}), [EDGE_TAG]: name };
    const { logGroup, role, fn } = createEdgeFunction(this, {
      name,
      code,
      handler: EDGE_HANDLER,
      runtime: a.runtime,
      memoryMb: a.memoryMb,
      timeoutSeconds: a.timeoutSeconds ?? (mode === "gateway" ? AWS_EDGE_DEFAULTS.gatewayTimeoutSeconds : AWS_EDGE_DEFAULTS.authorizerTimeoutSeconds),
      reservedConcurrency: a.reservedConcurrency,
      logRetentionDays: a.logRetentionDays,
      logKmsKeyArn: args.logKmsKeyArn,
      environment: { ...secrets.environment, ...(archive?.environment ?? {}) },
      secretArns: secrets.secretArns,
      secretsKmsKeyArn: args.secretsKmsKeyArn,
      dependsOn: secrets.versions,
      description: functionDescription(mode, names),
      tags,
    });

    let functionUrl: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let distributionDomainName: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let authorizerId: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let deploymentTrigger: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let urls: pulumi.Output<Record<string, McpEdgeServerUrls>>;
    if (mode === "gateway") {
      const { url } = createFunctionUrl(this, name, fn);
      functionUrl = url.functionUrl;
      if (a.customDomain) {
        const { distribution } = createCustomDomain(this, name, url.functionUrl, { ...args.customDomain!, domainName: a.customDomain.domainName, certificateArn: certificateArn! }, args.tags);
        distributionDomainName = distribution.domainName;
      }
      const custom = a.customDomain !== undefined;
      urls = pulumi.all([configs, url.functionUrl]).apply(([cs, fu]) => serverUrls(names, cs, custom ? undefined : fu));
    } else {
      const single = configs.apply((cs) => cs[0]!);
      const r = createRestApiAuthorizer(this, name, fn, args.restApi!, single);
      authorizerId = r.authorizer.id;
      deploymentTrigger = r.deploymentTrigger;
      urls = configs.apply((cs) => serverUrls(names, cs, undefined));
    }

    archive?.attach(logGroup.name, role.id);
    const audit = createAuditSurface(this, name, logGroup.name, configs, { ...a.alarms, actions: args.alarms?.actions }, args.tags);

    const surface = args.auditSurface
      ? createAuditSurfaceFunction(this, name, { args: args.auditSurface, logGroupName: logGroup.name, logGroupArn: logGroup.arn, configs, runtime: a.runtime, logRetentionDays: a.logRetentionDays, tags: args.tags ? { ...args.tags } : undefined })
      : undefined;

    const outputs: McpEdgeOutputs = {
      servers: urls,
      functionName: fn.name,
      functionArn: fn.arn,
      roleArn: role.arn,
      logGroupName: logGroup.name,
      functionUrl,
      distributionDomainName,
      authorizerId,
      deploymentTrigger,
      queryNames: pulumi.all(audit.queries.map((q) => q.name)),
      alarmNames: pulumi.all(audit.alarms.map((al) => al.name)),
      auditArchiveBucket: archive ? archive.bucket.bucket : pulumi.output(undefined),
      auditSigningKeyArn: archive ? archive.key.arn : pulumi.output(undefined),
      auditSurfaceUrl: surface ? surface.url : pulumi.output(undefined),
      auditSurfaceCallbackUrl: surface ? surface.callbackUrl : pulumi.output(undefined),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}

/**
 * Public URLs per server name (`names[i]` is the name of `configs[i]`); `origin` rebases each
 * resource onto a generated host (a Function URL without a custom domain).
 */
export function serverUrls(names: readonly string[], configs: readonly EdgeConfig[], origin: string | undefined): Record<string, McpEdgeServerUrls> {
  const out: Record<string, McpEdgeServerUrls> = {};
  configs.forEach((c, i) => {
    const mcpUrl = origin ? rebase(c.resource, origin) : c.resource;
    out[names[i] ?? c.server] = { resource: c.resource, mcpUrl, metadataUrl: metadataUrlFor(mcpUrl) };
  });
  return out;
}
