import { beforeAll, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
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
async function deploy(name: string, args: Partial<import("../../../components/targets/aws/index.js").McpEdgeArgs> = {}) {
  const edge = new aws.McpEdge(name, {
    servers: [
      { name: "crm", edgeConfig: crmConfig("crm") },
      { name: "crm-admin", edgeConfig: crmConfig("crm-admin") },
    ],
    bundleFile: fakeBundle(),
    ...args,
  });
  await promiseOf(edge.servers);
  await promiseOf(edge.alarmNames);
  await settle();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
  return { edge, mine };
}

function only(list: RecordedResource[]): RecordedResource {
  expect(list).toHaveLength(1);
  return list[0]!;
}

async function archiveText(archive: pulumi.Output<pulumi.asset.AssetArchive>, file: string): Promise<string> {
  const a = await promiseOf(archive);
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
    expect(fn.inputs.loggingConfig).toEqual({ logFormat: "JSON", logGroup: "/pulumi-mcp-auth/gw1", applicationLogLevel: "INFO", systemLogLevel: "WARN" });
    expect(fn.inputs.tags).toMatchObject({ "pulumi-mcp-auth:edge": "gw1" });
    const logs = only(mine("aws:cloudwatch/logGroup:LogGroup"));
    expect(logs.inputs).toMatchObject({ name: "/pulumi-mcp-auth/gw1", retentionInDays: 365 });
  });

  it("gives the role only log-writing on its own log group, assumable only by Lambda", async () => {
    const { mine } = await deploy("gw2");
    const role = only(mine("aws:iam/role:Role"));
    expect(JSON.parse(role.inputs.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const policy = JSON.parse(only(mine("aws:iam/rolePolicy:RolePolicy")).inputs.policy);
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:/pulumi-mcp-auth/gw2:*"] },
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
    expect(await promiseOf(edge.servers)).toEqual({
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
    const assets = await (await promiseOf(edge.archive)).assets;
    expect(Object.keys(assets).sort()).toEqual(["edge-config.json", "index.cjs"]);
    expect(only(mine("aws:lambda/function:Function")).inputs.environment).toBeUndefined();
  });

  it("deploys a config larger than Lambda's 4 KB environment limit through the archive", async () => {
    // Forty extra tools make one server's config several times the 4 KB environment cap.
    const big = crmConfig("crm");
    for (let i = 0; i < 40; i++) big.operations.tools[`generated_report_tool_number_${i}`] = { scopes: ["crm:customers:read", "crm:deals:read"], sensitivity: "routine" };
    const { edge, mine } = await deploy("gw5", { servers: [{ name: "crm", edgeConfig: big }] });
    const text = await archiveText(edge.archive, "edge-config.json");
    expect(Buffer.byteLength(text)).toBeGreaterThan(aws.LAMBDA_ENV_LIMIT_BYTES);
    expect(JSON.parse(text)[0].operations.tools.generated_report_tool_number_39).toEqual({ scopes: ["crm:customers:read", "crm:deals:read"], sensitivity: "routine" });
    const env = only(mine("aws:lambda/function:Function")).inputs.environment;
    expect(env).toBeUndefined();
  });

  it("passes the assertion key and named secrets as secret environment variables only", async () => {
    const { mine } = await deploy("gw6", { assertionKey: '{"kty":"EC"}', secretEnvironment: { CRM_INTROSPECTION_SECRET: "s3cret" } });
    const fn = only(mine("aws:lambda/function:Function"));
    // Pulumi's wire form of a secret: the signature key marks the whole environment as secret.
    expect(fn.inputs.environment).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { variables: { MCP_EDGE_ASSERTION_KEY: '{"kty":"EC"}', CRM_INTROSPECTION_SECRET: "s3cret" } },
    });
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
    expect((await promiseOf(edge.servers)).crm).toEqual({
      resource: "https://mcp.example.com/crm",
      mcpUrl: "https://mcp.example.com/crm",
      metadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/crm",
    });
    expect(await promiseOf(edge.distributionDomainName)).toBe("d111111abcdef8.cloudfront.net");
  });
});

describe("McpEdge argument validation", () => {
  it("refuses authorizer mode without a REST API and with two servers, before creating any resource", () => {
    mocks.reset();
    expect(() => new aws.McpEdge("bad1", { mode: "authorizer", servers: [{ name: "crm", edgeConfig: crmConfig("crm") }, { name: "crm-admin", edgeConfig: crmConfig("crm-admin") }] })).toThrowError(
      /restApi: authorizer mode needs restApi[\s\S]*servers: authorizer mode takes exactly one server/,
    );
    expect(mocks.resources.filter((r) => r.name.startsWith("bad1"))).toHaveLength(0);
  });

  it("names each missing field of an incomplete REST API", () => {
    let err: unknown;
    try {
      new aws.McpEdge("bad5", { mode: "authorizer", restApi: { id: "abc" } as never, servers: [{ name: "crm", edgeConfig: crmConfig("crm") }] });
    } catch (e) {
      err = e;
    }
    expect((err as InstanceType<typeof aws.McpEdgeArgsError>).issues.map((i) => i.path).sort()).toEqual(["restApi.executionArn", "restApi.rootResourceId"]);
  });

  it("names a retention CloudWatch does not offer, a duplicate server name and a bad secret variable name", () => {
    let err: unknown;
    try {
      new aws.McpEdge("bad2", {
        servers: [{ name: "crm", edgeConfig: crmConfig("crm") }, { name: "crm", edgeConfig: crmConfig("crm-admin") }],
        logRetentionDays: 10,
        secretEnvironment: { "lower-case": "x" },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(aws.McpEdgeArgsError);
    const paths = (err as InstanceType<typeof aws.McpEdgeArgsError>).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["logRetentionDays", "secretEnvironment.lower-case", "servers.1.name"]);
  });

  it("fails the deployment when a gateway-mode server has no upstream, naming the server", () => {
    const cfg = crmConfig("crm");
    delete cfg.upstream;
    expect(() => aws.prepareConfig("crm", cfg, undefined, "gateway")).toThrowError("servers[crm]: gateway mode needs an upstream URL; set servers[].upstream or the declaration's server.upstream");
    expect(aws.prepareConfig("crm", cfg, "https://up.example.net/mcp", "gateway").upstream).toBe("https://up.example.net/mcp");
    expect(aws.prepareConfig("crm", crmConfig("crm"), undefined, "authorizer").upstream).toBeUndefined();
  });

  it("names the field of an invalid edge config", () => {
    const cfg = { ...crmConfig("crm"), clockToleranceSeconds: 9999 };
    expect(() => aws.prepareConfig("crm", cfg, undefined, "gateway")).toThrowError(/servers\[crm\]\.edgeConfig: Invalid edge config:\n {2}- clockToleranceSeconds/);
  });

  it("fails the deployment when a server's resource is not on the custom domain", () => {
    expect(() => aws.checkCustomDomain([crmConfig("crm")], "mcp.other.example")).toThrowError(
      "servers[crm]: resource https://mcp.example.com/crm is not on customDomain.domainName mcp.other.example; one McpEdge serves one host",
    );
    expect(() => aws.checkCustomDomain([crmConfig("crm"), crmConfig("crm-admin")], "MCP.example.com")).not.toThrow();
  });
});
