import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../../../lambda/config.js";
import { issueLines } from "../../model/validate.js";

/**
 * Arguments of the AWS edge component, their defaults and their validation. Plain values are
 * checked with zod before any child resource exists; edge configs (Pulumi inputs from an IdP
 * target) are checked with the edge's own schema once they resolve.
 */

/** CloudWatch Logs accepts only these retention periods (days). 0 (never expire) is refused: audit logs need a declared end. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Defaults, justified in docs/aws.md ("Sizing"):
 * - memory: 256 MB on arm64. The bundle is one small file; a warm verification costs tens of
 *   microseconds, so memory only buys a faster cold start (CPU scales with memory).
 * - gateway timeout: 120 s. The function stays alive while it streams the upstream's response
 *   (MCP Streamable HTTP answers a POST with an SSE stream for as long as the tool runs).
 * - authorizer timeout: 10 s. A bodyless decision; its only network use is a JWKS refetch and an
 *   RFC 7662 introspection, each bounded at 3 s by the edge, so 6 s in the worst case plus margin.
 * - retention: 365 days, a common audit-evidence period; set it to your policy.
 */
export const AWS_EDGE_DEFAULTS = {
  memoryMb: 256,
  gatewayTimeoutSeconds: 120,
  authorizerTimeoutSeconds: 10,
  logRetentionDays: 365,
  runtime: "nodejs22.x",
  architecture: "arm64",
  alarmThreshold401: 50,
  alarmThreshold403: 20,
  alarmPeriodSeconds: 300,
} as const;

/** Supported Lambda runtimes (Node 20 reached end of life in April 2026). */
export const EDGE_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;

/** The Lambda settings McpEdge and McpAuthFront validate alike, each with its own default. */
export const lambdaArgs = {
  memoryMb: (fallback: number) => z.number().int().min(128).max(10240).default(fallback),
  reservedConcurrency: () => z.number().int().min(1).optional(),
  runtime: (fallback: (typeof EDGE_RUNTIMES)[number]) => z.enum(EDGE_RUNTIMES).default(fallback),
  logRetentionDays: (fallback: number) =>
    z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `use one of ${LOG_RETENTION_DAYS.join(", ")}`)
      .default(fallback),
  /** A CloudWatch alarm period: whole minutes. */
  alarmPeriodSeconds: (fallback: number) => z.number().int().min(60).refine((p) => p % 60 === 0, "use a multiple of 60").default(fallback),
};

/** One MCP server behind the edge. */
export interface McpEdgeServerArgs {
  /** Short, stable name (child resource names and output keys): lower-case letters, digits, `-`. With `idp`, the server's name in the IdP component. */
  readonly name: string;
  /** The server's edge config, e.g. `edgeConfigFor(...)`. Default with `idp`: `idp.servers[name].edgeConfig`. */
  readonly edgeConfig?: pulumi.Input<EdgeConfig>;
  /** Gateway mode: where allowed requests go (overrides `edgeConfig.upstream`). Ignored in authorizer mode. */
  readonly upstream?: pulumi.Input<string>;
}

/** An existing API Gateway REST API the authorizer is attached to (authorizer mode). */
export interface McpEdgeRestApiArgs {
  /** `aws.apigateway.RestApi.id`. */
  readonly id: pulumi.Input<string>;
  /** `aws.apigateway.RestApi.rootResourceId`: the metadata route is created under it. */
  readonly rootResourceId: pulumi.Input<string>;
  /** `aws.apigateway.RestApi.executionArn`: scopes the invoke permissions. */
  readonly executionArn: pulumi.Input<string>;
}

/** A custom domain in front of the Function URL (gateway mode): a CloudFront distribution. */
export interface McpEdgeCustomDomainArgs {
  /** The host of every server's resource URI, e.g. `mcp.example.com`. */
  readonly domainName: string;
  /** ACM certificate for `domainName`, issued in us-east-1 (a CloudFront requirement, checked before anything is created). */
  readonly certificateArn: pulumi.Input<string>;
  /** When set, an alias A/AAAA record for `domainName` is created in this Route 53 zone. */
  readonly hostedZoneId?: pulumi.Input<string>;
}

/**
 * The IdP component the edge sits behind (`OktaMcpAuth`, `McpAuthAuth0`, `EntraMcpAuth`): each
 * server's edge config is taken from `servers[name].edgeConfig`, and the introspection client
 * secret (Okta) from `introspectionClientSecret`, so a config that introspects always gets its secret.
 */
export interface McpEdgeIdp {
  readonly servers: pulumi.Input<Readonly<Record<string, { readonly edgeConfig: pulumi.Input<EdgeConfig> }>>>;
  readonly introspectionClientSecret?: pulumi.Input<string | undefined>;
}

/** Arguments of {@link McpEdge}. */
export interface McpEdgeArgs {
  /** The IdP component: supplies each server's edge config and the introspection client secret. */
  readonly idp?: McpEdgeIdp;
  /** One or more MCP servers. Authorizer mode takes exactly one (a gateway response is per REST API). */
  readonly servers: readonly McpEdgeServerArgs[];
  /** `gateway` (default): a Function URL that forwards allowed requests. `authorizer`: a REST API Lambda authorizer. */
  readonly mode?: "gateway" | "authorizer";
  /** Required in authorizer mode. */
  readonly restApi?: McpEdgeRestApiArgs;
  /** Optional custom domain (gateway mode). In authorizer mode the REST API's own custom domain is used. */
  readonly customDomain?: McpEdgeCustomDomainArgs;
  /** A prebuilt bundle (`npm run build:edge`). Default: built with esbuild during `pulumi up`. */
  readonly bundleFile?: string;
  /** Fetch each issuer's JWKS at deploy time and ship it in the archive (no JWKS fetch on cold start). Default false. */
  readonly jwksSnapshot?: boolean;
  /**
   * Private JWK (JSON, a Pulumi secret such as `config.requireSecret(...)`) signing the upstream
   * identity assertion; stored in Secrets Manager. Default (gateway mode): a key generated once
   * by the component (see `assertionKeyType`) and kept in Secrets Manager.
   */
  readonly assertionKey?: pulumi.Input<string>;
  /** Type of the generated assertion key when `assertionKey` is not given. Default `Ed25519` (`EdDSA`); `P-256` gives `ES256`. */
  readonly assertionKeyType?: "Ed25519" | "P-256";
  /**
   * Named secrets (Pulumi secrets) stored in Secrets Manager, e.g. the introspection client secret
   * named by `introspection.clientSecretEnv`. Takes precedence over the value from `idp`.
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** @deprecated Use `secrets`: the values are stored in Secrets Manager, not in the environment. */
  readonly secretEnvironment?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Customer-managed KMS key for the edge's secrets. Default: Secrets Manager's AWS-managed key. */
  readonly secretsKmsKeyArn?: pulumi.Input<string>;
  /** Lambda memory, MB. Default 256. */
  readonly memoryMb?: number;
  /** Lambda timeout, seconds. Default 120 (gateway) or 10 (authorizer). */
  readonly timeoutSeconds?: number;
  /** Reserved concurrency (caps cost and blast radius). Default: unreserved. */
  readonly reservedConcurrency?: number;
  /** Lambda runtime. Default `nodejs22.x`. */
  readonly runtime?: (typeof EDGE_RUNTIMES)[number];
  /** Log retention, days (one of {@link LOG_RETENTION_DAYS}). Default 365. */
  readonly logRetentionDays?: number;
  /** KMS key for the log group. Default: CloudWatch's own encryption. */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /** Alarm settings; alarms notify these SNS topics. */
  readonly alarms?: {
    readonly actions?: readonly pulumi.Input<string>[];
    /** 401s per period that raise the alarm. Default 50. */
    readonly threshold401?: number;
    /** 403s per period that raise the alarm. Default 20. */
    readonly threshold403?: number;
    /** Period, seconds (multiple of 60). Default 300. */
    readonly periodSeconds?: number;
  };
  /** Tamper-evident audit storage: signed checkpoints and an S3 Object Lock archive (audit-archive.ts, docs/aws.md). */
  readonly auditArchive?: import("./audit-archive.js").AuditArchiveOptions;
  /**
   * The customer-admin audit surface: a read-only page and JSON API over this edge's log group, behind
   * OIDC sign-in at the organisation's IdP (audit-surface-function.ts, docs/aws.md).
   */
  readonly auditSurface?: import("./audit-surface-function.js").AuditSurfaceArgs;
  /** Tags on every taggable child. */
  readonly tags?: Readonly<Record<string, string>>;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** A non-empty string or a Pulumi Output/Promise of one (e.g. `api.id`). */
const StringInput = z.custom<pulumi.Input<string>>(
  (v) => (typeof v === "string" && v.length > 0) || (typeof v === "object" && v !== null && ("apply" in v || "then" in v)),
  "expected a non-empty string or a Pulumi Output<string>",
);

/** A Pulumi Output or Promise (a value the program does not hold in plain text). */
const isDeferred = (v: unknown) => typeof v === "object" && v !== null && ("apply" in v || "then" in v);
/** A secret value: a Pulumi Output (e.g. `config.requireSecret`), never a plain string in the program. */
const SecretInput = z.custom<pulumi.Input<string>>(
  isDeferred,
  "pass a Pulumi secret (e.g. config.requireSecret(\"…\") or pulumi.secret(…)), not a plain string: the value is stored in Secrets Manager and must never sit in plain text in the program",
);
const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SecretRecord = z.record(z.string().regex(SECRET_NAME, "secret names are upper-case letters, digits and '_' (as in introspection.clientSecretEnv)"), SecretInput);
/** A KMS key ARN; the role's `kms:Decrypt` is limited to Secrets Manager in the key's region. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;

/**
 * Checks that a certificate ARN is an ACM certificate in us-east-1: CloudFront accepts no other
 * region. @throws Error naming `customDomain.certificateArn` @internal Exported for testing.
 */
export function checkCertificateArn(arn: string): string {
  const m = ACM_ARN.exec(arn);
  if (!m) throw new Error(`customDomain.certificateArn: expected an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>), got ${arn}`);
  if (m[1] !== "us-east-1") throw new Error(`customDomain.certificateArn: CloudFront only uses ACM certificates from us-east-1, and this one is in ${m[1]}; request or import the certificate in us-east-1`);
  return arn;
}

/** The audit HMAC key's minimum length, bytes (UTF-8), as the edge checks it at init (lambda/core/audit.ts). */
export const AUDIT_HMAC_KEY_MIN_BYTES = 32;

/**
 * Checks the audit archive's HMAC key: at least 32 bytes, so a short key fails the deployment instead
 * of every cold start. @throws Error naming `auditArchive.hmacKey` (never echoing the value)
 */
export function checkAuditHmacKey(key: string): string {
  if (Buffer.byteLength(key, "utf8") < AUDIT_HMAC_KEY_MIN_BYTES) {
    throw new Error(`auditArchive.hmacKey: needs at least ${AUDIT_HMAC_KEY_MIN_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** `McpEdge.auditArchive`'s plain fields; `hmacKey` as a plain string is checked now, an Output when it resolves. @internal Exported for tests. */
export const AuditArchiveOptionsSchema = z
  .object({
    retentionDays: z.number().int().min(1).max(36500).optional(),
    checkpointEvery: z.number().int().min(1).max(100_000).optional(),
    hmacKey: z
      .unknown()
      .superRefine((v, ctx) => {
        if (v === undefined || isDeferred(v)) return;
        if (typeof v !== "string") ctx.addIssue({ code: "custom", message: "expected a Pulumi secret (or a string) of at least 32 bytes" });
        else if (Buffer.byteLength(v, "utf8") < AUDIT_HMAC_KEY_MIN_BYTES) ctx.addIssue({ code: "custom", message: `needs at least ${AUDIT_HMAC_KEY_MIN_BYTES} bytes (e.g. \`openssl rand -base64 32\`)` });
      })
      .optional(),
  })
  .strict();

/** `McpEdge.auditSurface`'s plain fields (client id and secret are Pulumi inputs). @internal Exported for tests. */
export const AuditSurfaceArgsSchema = z.object({
  issuer: z.url().refine((u) => u.startsWith("https://"), "must use https"),
  clientId: z.unknown(),
  clientSecret: z.unknown(),
  adminGroup: z.string().min(1),
  groupsClaim: z.string().min(1).optional(),
  tenantClaim: z.string().min(1).optional(),
  bundleFile: z.string().min(1).optional(),
});

/** zod schema for the plain (non-Input) part of {@link McpEdgeArgs}. @internal Exported for testing. */
export const PlainArgsSchema = z
  .object({
    idp: z
      .custom<McpEdgeIdp>((v) => typeof v === "object" && v !== null && "servers" in v, "expected the IdP component (an object with servers[name].edgeConfig)")
      .optional(),
    servers: z
      .array(z.object({ name: z.string().regex(NAME, "use 1-40 lower-case letters, digits or '-', starting with a letter"), edgeConfig: z.unknown().optional() }))
      .min(1, "give at least one server")
      .superRefine((servers, ctx) => {
        const seen = new Set<string>();
        servers.forEach((s, i) => {
          if (seen.has(s.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate server name '${s.name}'` });
          seen.add(s.name);
        });
      }),
    mode: z.enum(["gateway", "authorizer"]).default("gateway"),
    restApi: z.object({ id: StringInput, rootResourceId: StringInput, executionArn: StringInput }).optional(),
    customDomain: z
      .object({
        domainName: z.string().regex(/^[a-z0-9.-]+$/i, "a bare host name, no scheme or path"),
        // A plain ARN is checked now; an Output is checked when it resolves, before the function exists.
        certificateArn: StringInput.superRefine((v, ctx) => {
          if (typeof v !== "string") return;
          try {
            checkCertificateArn(v);
          } catch (e) {
            ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^customDomain\.certificateArn: /, "") });
          }
        }),
        hostedZoneId: StringInput.optional(),
      })
      .optional(),
    bundleFile: z.string().min(1).optional(),
    jwksSnapshot: z.boolean().default(false),
    memoryMb: lambdaArgs.memoryMb(AWS_EDGE_DEFAULTS.memoryMb),
    timeoutSeconds: z.number().int().min(1).max(900).optional(),
    reservedConcurrency: lambdaArgs.reservedConcurrency(),
    runtime: lambdaArgs.runtime(AWS_EDGE_DEFAULTS.runtime),
    logRetentionDays: lambdaArgs.logRetentionDays(AWS_EDGE_DEFAULTS.logRetentionDays),
    assertionKey: SecretInput.optional(),
    assertionKeyType: z.enum(["Ed25519", "P-256"]).default("Ed25519"),
    secrets: SecretRecord.optional(),
    secretEnvironment: SecretRecord.optional(),
    secretsKmsKeyArn: StringInput.refine((v) => typeof v !== "string" || KMS_KEY_ARN.test(v), "expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
    alarms: z
      .object({
        threshold401: z.number().int().min(1).default(AWS_EDGE_DEFAULTS.alarmThreshold401),
        threshold403: z.number().int().min(1).default(AWS_EDGE_DEFAULTS.alarmThreshold403),
        periodSeconds: lambdaArgs.alarmPeriodSeconds(AWS_EDGE_DEFAULTS.alarmPeriodSeconds),
      })
      .default({ threshold401: AWS_EDGE_DEFAULTS.alarmThreshold401, threshold403: AWS_EDGE_DEFAULTS.alarmThreshold403, periodSeconds: AWS_EDGE_DEFAULTS.alarmPeriodSeconds }),
    // Validated with the rest, so every problem is reported at once before anything is registered.
    auditArchive: AuditArchiveOptionsSchema.optional(),
    auditSurface: AuditSurfaceArgsSchema.optional(),
  })
  .superRefine((a, ctx) => {
    a.servers.forEach((srv, i) => {
      if (srv.edgeConfig === undefined && !a.idp) ctx.addIssue({ code: "custom", path: ["servers", i, "edgeConfig"], message: `give servers[${i}].edgeConfig, or pass idp (the IdP component) to take it from idp.servers["${srv.name}"]` });
    });
    if (a.mode === "authorizer") {
      if (a.assertionKey !== undefined) ctx.addIssue({ code: "custom", path: ["assertionKey"], message: "authorizer mode forwards nothing, so it signs no identity assertion; remove assertionKey" });
      if (!a.restApi) ctx.addIssue({ code: "custom", path: ["restApi"], message: "authorizer mode needs restApi { id, rootResourceId, executionArn }" });
      if (a.servers.length !== 1)
        ctx.addIssue({ code: "custom", path: ["servers"], message: "authorizer mode takes exactly one server per REST API (its 401 gateway response names one resource_metadata); create one McpEdge per API" });
      if (a.customDomain) ctx.addIssue({ code: "custom", path: ["customDomain"], message: "in authorizer mode, put the custom domain on your REST API (base path mapping) and leave customDomain unset" });
    } else if (a.restApi) {
      ctx.addIssue({ code: "custom", path: ["restApi"], message: "restApi is only used in authorizer mode; set mode: \"authorizer\" or remove it" });
    }
  });
export type PlainArgs = z.output<typeof PlainArgsSchema>;

/** Thrown before any resource is created when the arguments are invalid; names every bad field. */
export class McpEdgeArgsError extends Error {
  override readonly name = "McpEdgeArgsError";
  constructor(readonly issues: ReadonlyArray<{ path: string; message: string }>) {
    super(`Invalid McpEdge arguments:\n${issueLines(issues)}`);
  }
}

/** Validates the plain arguments and fills in defaults. @throws McpEdgeArgsError @internal Exported for testing. */
export function validateEdgeArgs(args: McpEdgeArgs): PlainArgs {
  const r = PlainArgsSchema.safeParse(args);
  if (r.success) return r.data;
  throw new McpEdgeArgsError(
    r.error.issues.map((i) => ({
      path: i.path.map(String).join("."),
      // A bad record key carries the key's own message one level down.
      message: i.code === "invalid_key" && i.issues[0] ? i.issues[0].message : i.message,
    })),
  );
}
