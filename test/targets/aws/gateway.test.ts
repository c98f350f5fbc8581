import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";

let mocks: MockHarness;
/** Lets queued resource registrations reach the mock monitor. */
const settle = () => new Promise((r) => setTimeout(r, 20));
let aws: typeof import("../../../components/targets/aws/index.js");

beforeAll(async () => {
  mocks = await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
});

/** Creates an edge and waits until every child is registered. */
async function deploy(name: string, args: Partial<import("../../../components/targets/aws/index.js").McpEdgeArgs> = {}, opts?: pulumi.ComponentResourceOptions) {
  const edge = new aws.McpEdge(
    name,
    {
      servers: [
        { name: "crm", edgeConfig: crmConfig("crm") },
        { name: "crm-admin", edgeConfig: crmConfig("crm-admin") },
      ],
      bundleFile: fakeBundle(),
      ...args,
    },
    opts,
  );
  await promiseOf(edge.servers, 30_000);
  await promiseOf(edge.alarmNames, 30_000);
  await settle();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
  return { edge, mine };
}

function only(list: RecordedResource[]): RecordedResource {
  expect(list).toHaveLength(1);
  return list[0]!;
}

async function archiveText(archive: pulumi.Output<pulumi.asset.AssetArchive>, file: string): Promise<string> {
  const a = await promiseOf(archive, 30_000);
  const assets = await a.assets;
  const asset = assets[file] as pulumi.asset.StringAsset;
  return (await asset.text) as string;
}

describe("McpEdge in gateway mode", () => {
  it("creates an arm64 nodejs22.x function with JSON logs into its own log group, sized by the documented defaults", async () => {
    const { mine } = await deploy("gw1");
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs.runtime).toBe("nodejs22.x");
    expect(fn.inputs.architectures).toEqual(["arm64"]);
    expect(fn.inputs.handler).toBe("index.handler");
    expect(fn.inputs.memorySize).toBe(256);
    expect(fn.inputs.timeout).toBe(120);
    expect(fn.inputs.reservedConcurrentExecutions).toBeUndefined();
    expect(fn.inputs.loggingConfig).toEqual({ logFormat: "JSON", logGroup: "/pulumi-mcp-auth/project/stack/gw1", applicationLogLevel: "INFO", systemLogLevel: "WARN" });
    expect(fn.inputs.tags).toMatchObject({ "pulumi-mcp-auth:edge": "gw1" });
    const logs = only(mine("aws:cloudwatch/logGroup:LogGroup"));
    expect(logs.inputs).toMatchObject({ name: "/pulumi-mcp-auth/project/stack/gw1", retentionInDays: 365 });
  });

  it("gives the role only log-writing on its own log group and reading its own assertion key, assumable only by Lambda", async () => {
    const { mine } = await deploy("gw2");
    const role = only(mine("aws:iam/role:Role"));
    expect(JSON.parse(role.inputs.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const policy = JSON.parse(only(mine("aws:iam/rolePolicy:RolePolicy")).inputs.policy);
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:/pulumi-mcp-auth/project/stack/gw2:*"] },
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw2-assertion-key-AbCdEf"] },
    ]);
    expect(mine("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(0);
  });

  it("exposes a streaming Function URL with both public-invoke permissions", async () => {
    const { edge, mine } = await deploy("gw3");
    const url = only(mine("aws:lambda/functionUrl:FunctionUrl"));
    expect(url.inputs).toMatchObject({ authorizationType: "NONE", invokeMode: "RESPONSE_STREAM", functionName: "gw3-fn" });
    expect(url.inputs.cors).toBeUndefined();
    const perms = mine("aws:lambda/permission:Permission").map((p) => p.inputs);
    expect(perms).toHaveLength(2);
    expect(perms).toContainEqual(expect.objectContaining({ action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE", function: "gw3-fn" }));
    expect(perms).toContainEqual(expect.objectContaining({ action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true, function: "gw3-fn" }));
    expect(mocks.ofType("aws:apigateway/authorizer:Authorizer").filter((r) => r.name.startsWith("gw3-"))).toHaveLength(0);
    expect(await promiseOf(edge.servers, 30_000)).toEqual({
      crm: {
        resource: "https://mcp.example.com/crm",
        mcpUrl: "https://abc123xyz.lambda-url.eu-west-1.on.aws/crm",
        metadataUrl: "https://abc123xyz.lambda-url.eu-west-1.on.aws/.well-known/oauth-protected-resource/crm",
      },
      "crm-admin": {
        resource: "https://mcp.example.com/crm-admin",
        mcpUrl: "https://abc123xyz.lambda-url.eu-west-1.on.aws/crm-admin",
        metadataUrl: "https://abc123xyz.lambda-url.eu-west-1.on.aws/.well-known/oauth-protected-resource/crm-admin",
      },
    });
  });

  it("ships every server's config in edge-config.json inside the archive, with the upstream override, and none in the environment", async () => {
    const { edge, mine } = await deploy("gw4", {
      servers: [
        { name: "crm", edgeConfig: crmConfig("crm"), upstream: "https://crm.internal.example.net/mcp" },
        { name: "crm-admin", edgeConfig: crmConfig("crm-admin") },
      ],
    });
    const text = await archiveText(edge.archive, "edge-config.json");
    const parsed = JSON.parse(text) as Array<{ server: string; upstream?: string }>;
    expect(parsed.map((c) => c.server)).toEqual(["crm", "crm-admin"]);
    expect(parsed[0]!.upstream).toBe("https://crm.internal.example.net/mcp");
    expect(parsed[1]!.upstream).toBe("https://crm-admin-mcp.internal.example.com/mcp");
    const assets = await (await promiseOf(edge.archive, 30_000)).assets;
    expect(Object.keys(assets).sort()).toEqual(["edge-config.json", "index.cjs"]);
    expect(Object.keys(only(mine("aws:lambda/function:Function")).inputs.environment.variables)).toEqual(["MCP_EDGE_ASSERTION_KEY_ARN"]);
  });

  it("deploys a config larger than Lambda's 4 KB environment limit through the archive", async () => {
    // Forty extra tools make one server's config several times the 4 KB environment cap.
    const big = crmConfig("crm");
    for (let i = 0; i < 40; i++) big.operations.tools[`generated_report_tool_number_${i}`] = { scopes: ["crm:customers:read", "crm:deals:read"], sensitivity: "routine" };
    const { edge, mine } = await deploy("gw5", { servers: [{ name: "crm", edgeConfig: big }] });
    const text = await archiveText(edge.archive, "edge-config.json");
    expect(Buffer.byteLength(text)).toBeGreaterThan(aws.LAMBDA_ENV_LIMIT_BYTES);
    expect(JSON.parse(text)[0].operations.tools.generated_report_tool_number_39).toEqual({ scopes: ["crm:customers:read", "crm:deals:read"], sensitivity: "routine" });
    const env = only(mine("aws:lambda/function:Function")).inputs.environment.variables;
    expect(Object.keys(env)).toEqual(["MCP_EDGE_ASSERTION_KEY_ARN"]);
  });

  it("stores a given assertion key and named secrets in Secrets Manager as secrets; the environment holds only their ARNs", async () => {
    const jwk = JSON.stringify(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }));
    const { mine } = await deploy("gw6", { assertionKey: pulumi.secret(jwk), secrets: { CRM_INTROSPECTION_SECRET: pulumi.secret("s3cret") } });
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs.environment).toEqual({
      variables: {
        MCP_EDGE_ASSERTION_KEY_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw6-assertion-key-AbCdEf",
        MCP_EDGE_SECRETS_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw6-secrets-AbCdEf",
      },
    });
    const versions = mine("aws:secretsmanager/secretVersion:SecretVersion");
    // Pulumi's wire form of a secret: the signature key marks the value as secret.
    const value = (n: string) => versions.find((v) => v.name === n)!.inputs.secretString;
    expect(value("gw6-assertion-key")).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: jwk });
    expect(value("gw6-secrets")).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: '{"CRM_INTROSPECTION_SECRET":"s3cret"}' });
    expect(mine("aws:secretsmanager/secret:Secret").map((r) => r.name).sort()).toEqual(["gw6-assertion-key", "gw6-secrets"]);
  });

  it("generates an Ed25519 assertion key once when none is given, and keeps later runs from replacing it", async () => {
    const seen: Array<{ name: string; ignoreChanges?: string[] }> = [];
    const { mine } = await deploy("gw9", {}, { transformations: [(a) => (seen.push({ name: a.name, ignoreChanges: a.opts.ignoreChanges }), undefined)] });
    const key = JSON.parse(only(mine("aws:secretsmanager/secretVersion:SecretVersion")).inputs.secretString.value);
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(seen.find((r) => r.name === "gw9-assertion-key" && r.ignoreChanges)?.ignoreChanges).toEqual(["secretString"]);
    const p256 = await deploy("gw10", { assertionKeyType: "P-256" });
    expect(JSON.parse(only(p256.mine("aws:secretsmanager/secretVersion:SecretVersion")).inputs.secretString.value)).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
  });

  it("encrypts the secrets with a given KMS key and lets the role decrypt with it only through Secrets Manager", async () => {
    const kms = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { mine } = await deploy("gw13", { secretsKmsKeyArn: kms });
    expect(only(mine("aws:secretsmanager/secret:Secret")).inputs.kmsKeyId).toBe(kms);
    const policy = JSON.parse(only(mine("aws:iam/rolePolicy:RolePolicy")).inputs.policy);
    expect(policy.Statement[2]).toEqual({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kms], Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } });
    expect(() => aws.validateEdgeArgs({ servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], secretsKmsKeyArn: "alias/edge" })).toThrowError(/secretsKmsKeyArn: expected a KMS key ARN/);
  });

  it("keeps the audit log group when the stack is destroyed or the component renamed", async () => {
    const retained: Record<string, boolean | undefined> = {};
    await deploy("gw11", {}, { transformations: [(a) => ((retained[`${a.type} ${a.name}`] = a.opts.retainOnDelete), undefined)] });
    expect(retained["aws:cloudwatch/logGroup:LogGroup gw11-logs"]).toBe(true);
    expect(retained["aws:lambda/function:Function gw11-fn"]).toBeUndefined();
  });

  it("bounds the function description to Lambda's 256 characters whatever the number of servers", async () => {
    const servers = Array.from({ length: 12 }, (_, i) => ({ name: `customer-relationship-server-${i}`, edgeConfig: { ...crmConfig("crm"), server: `s${i}`, resource: `https://mcp.example.com/s${i}` } }));
    const { mine } = await deploy("gw12", { servers });
    const description = only(mine("aws:lambda/function:Function")).inputs.description as string;
    expect(description.length).toBeLessThanOrEqual(256);
    expect(description).toMatch(/^MCP authorization edge \(gateway\) for customer-relationship-server-0, .* and \d+ more$/);
    expect(aws.functionDescription("gateway", ["crm", "crm-admin"])).toBe("MCP authorization edge (gateway) for crm, crm-admin");
  });

  it("applies memory, timeout, reserved concurrency, runtime and retention overrides", async () => {
    const { mine } = await deploy("gw7", { memoryMb: 512, timeoutSeconds: 300, reservedConcurrency: 20, runtime: "nodejs24.x", logRetentionDays: 90 });
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs).toMatchObject({ memorySize: 512, timeout: 300, reservedConcurrentExecutions: 20, runtime: "nodejs24.x" });
    expect(only(mine("aws:cloudwatch/logGroup:LogGroup")).inputs.retentionInDays).toBe(90);
  });

  it("puts a CloudFront distribution with caching disabled and the Host header withheld in front of the URL for a custom domain", async () => {
    const { edge, mine } = await deploy("gw8", { customDomain: { domainName: "mcp.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", hostedZoneId: "Z123" } });
    const cdn = only(mine("aws:cloudfront/distribution:Distribution"));
    expect(cdn.inputs.aliases).toEqual(["mcp.example.com"]);
    expect(cdn.inputs.origins[0]).toMatchObject({ domainName: "abc123xyz.lambda-url.eu-west-1.on.aws", customOriginConfig: { originProtocolPolicy: "https-only" } });
    expect(cdn.inputs.defaultCacheBehavior).toMatchObject({
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      originRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
      viewerProtocolPolicy: "https-only",
    });
    expect(cdn.inputs.defaultCacheBehavior.allowedMethods).toContain("POST");
    expect(cdn.inputs.viewerCertificate).toMatchObject({ acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", sslSupportMethod: "sni-only" });
    expect(mine("aws:route53/record:Record").map((r) => r.inputs.type).sort()).toEqual(["A", "AAAA"]);
    // An AAAA alias is only valid for a distribution that serves IPv6.
    expect(cdn.inputs.isIpv6Enabled).toBe(true);
    expect((await promiseOf(edge.servers, 30_000)).crm).toEqual({
      resource: "https://mcp.example.com/crm",
      mcpUrl: "https://mcp.example.com/crm",
      metadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/crm",
    });
    expect(await promiseOf(edge.distributionDomainName, 30_000)).toBe("d111111abcdef8.cloudfront.net");
  });
});
