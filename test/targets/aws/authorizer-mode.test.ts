import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle, REST_API } from "./fixtures.js";

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  mocks = await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
});

async function deploy(name: string) {
  const edge = new aws.McpEdge(name, { mode: "authorizer", restApi: REST_API, servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], bundleFile: fakeBundle() });
  await promiseOf(edge.servers, 30_000);
  await promiseOf(edge.deploymentTrigger, 30_000);
  await promiseOf(edge.alarmNames, 30_000);
  await settle();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
  return { edge, mine };
}

function only(list: RecordedResource[]): RecordedResource {
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe("McpEdge in authorizer mode", () => {
  it("stores no assertion key (nothing is forwarded) and gives the function no environment without secrets", async () => {
    const { mine } = await deploy("az0");
    expect(mine("aws:secretsmanager/secret:Secret")).toEqual([]);
    expect(only(mine("aws:lambda/function:Function")).inputs.environment).toBeUndefined();
    const policy = JSON.parse(only(mine("aws:iam/rolePolicy:RolePolicy")).inputs.policy);
    expect(policy.Statement.map((st: { Action: string[] }) => st.Action)).toEqual([["logs:CreateLogStream", "logs:PutLogEvents"]]);
  });

  it("creates an uncached REQUEST authorizer on the REST API, invoked only by that API", async () => {
    const { edge, mine } = await deploy("az1");
    const authorizer = only(mine("aws:apigateway/authorizer:Authorizer"));
    expect(authorizer.inputs).toMatchObject({
      restApi: REST_API.id,
      type: "REQUEST",
      identitySource: "method.request.header.Authorization",
      authorizerResultTtlInSeconds: 0,
      authorizerUri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:az1-fn/invocations",
    });
    expect(await promiseOf(edge.authorizerId, 30_000)).toBe("az1-authorizer-id");
    const perms = mine("aws:lambda/permission:Permission").map((p) => p.inputs);
    expect(perms).toContainEqual(
      expect.objectContaining({ action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", sourceArn: `${REST_API.executionArn}/authorizers/az1-authorizer-id` }),
    );
    expect(perms.every((p) => p.principal === "apigateway.amazonaws.com")).toBe(true);
    expect(mine("aws:lambda/functionUrl:FunctionUrl")).toHaveLength(0);
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], timeout: 10, loggingConfig: { logFormat: "JSON" } });
  });

  it("answers 401 through a gateway response carrying the spec challenge with resource_metadata and scope", async () => {
    const { mine } = await deploy("az2");
    const r401 = mine("aws:apigateway/response:Response").find((r) => r.inputs.responseType === "UNAUTHORIZED")!;
    expect(r401.inputs.statusCode).toBe("401");
    expect(r401.inputs.restApiId).toBe(REST_API.id);
    const scopes = crmConfig("crm").scopesSupported.join(" ");
    expect(r401.inputs.responseParameters).toEqual({
      "gatewayresponse.header.WWW-Authenticate": `'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/crm", scope="${scopes}"'`,
      "gatewayresponse.header.Cache-Control": "'no-store'",
      "gatewayresponse.header.Access-Control-Expose-Headers": "'WWW-Authenticate'",
      ...(crmConfig("crm").allowedOrigins.length > 0
        ? { "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.Origin", "gatewayresponse.header.Vary": "'Origin'" }
        : {}),
    });
  });

  it("answers 403 through a gateway response whose challenge comes from the authorizer context", async () => {
    const { mine } = await deploy("az3");
    const r403 = mine("aws:apigateway/response:Response").find((r) => r.inputs.responseType === "ACCESS_DENIED")!;
    expect(r403.inputs.statusCode).toBe("403");
    expect(r403.inputs.responseParameters["gatewayresponse.header.WWW-Authenticate"]).toBe("context.authorizer.www_authenticate");
    expect(r403.inputs.responseParameters["gatewayresponse.header.Cache-Control"]).toBe("'no-store'");
  });

  it("serves the RFC 9728 metadata route from the edge without authorization", async () => {
    const { edge, mine } = await deploy("az4");
    const parts = mine("aws:apigateway/resource:Resource").map((r) => [r.inputs.pathPart, r.inputs.parentId]);
    expect(parts).toEqual([
      [".well-known", REST_API.rootResourceId],
      ["oauth-protected-resource", "az4-well-known-id"],
      ["{proxy+}", "az4-prm-id"],
    ]);
    expect(only(mine("aws:apigateway/method:Method")).inputs).toMatchObject({ httpMethod: "ANY", authorization: "NONE", resourceId: "az4-prm-proxy-id" });
    expect(only(mine("aws:apigateway/integration:Integration")).inputs).toMatchObject({ type: "AWS_PROXY", integrationHttpMethod: "POST", resourceId: "az4-prm-proxy-id" });
    const perms = mine("aws:lambda/permission:Permission").map((p) => p.inputs.sourceArn);
    expect(perms).toContain(`${REST_API.executionArn}/*/*/.well-known/oauth-protected-resource/*`);
    expect((await promiseOf(edge.servers, 30_000)).crm).toEqual({
      resource: "https://mcp.example.com/crm",
      mcpUrl: "https://mcp.example.com/crm",
      metadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/crm",
    });
    expect(await promiseOf(edge.deploymentTrigger, 30_000)).toContain("az4-authorizer-id");
  });

  it("drops the upstream from the shipped config: the REST API's integration is the upstream", async () => {
    const { edge } = await deploy("az5");
    const assets = await (await promiseOf(edge.archive, 30_000)).assets;
    const text = (await (assets["edge-config.json"] as import("@pulumi/pulumi").asset.StringAsset).text) as string;
    expect(JSON.parse(text)[0].upstream).toBeUndefined();
  });
});

describe("the audit surface", () => {
  it("saves the security team's queries against the edge's log group", async () => {
    const { edge, mine } = await deploy("au1");
    const queries = mine("aws:cloudwatch/queryDefinition:QueryDefinition");
    expect(queries.map((q) => q.inputs.name).sort()).toEqual(
      [
        "Audit chains with missing records",
        "Denials by reason and client",
        "Every denied high or critical call",
        "Everything one client did",
        "What did an agent do for a user",
        "Which clients used a scope",
      ].map((t) => `pulumi-mcp-auth/project/stack/au1/${t}`),
    );
    for (const q of queries) expect(q.inputs.logGroupNames).toEqual(["/pulumi-mcp-auth/project/stack/au1"]);
    const agentUser = queries.find((q) => q.name === "au1-q-agent-for-user")!.inputs.queryString as string;
    expect(agentUser).toContain('filter agent = "<AGENT>" and user = "<USER>"');
    const denied = queries.find((q) => q.name === "au1-q-denied-sensitive")!.inputs.queryString as string;
    expect(denied).toContain('decision = "deny"');
    // Every high/critical scope of the server is baked in; no routine scope is.
    for (const s of aws.sensitiveScopes([crmConfig("crm")])) expect(denied).toContain(s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    expect(denied).not.toContain("crm:customers:read");
    expect(await promiseOf(edge.queryNames, 30_000)).toHaveLength(6);
  });

  it("counts allows, 401s, 403s and chain starts with metric filters and alarms on 401/403 bursts", async () => {
    const { mine } = await deploy("au2");
    const filters = mine("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => [f.inputs.pattern, f.inputs.metricTransformation.name]);
    expect(filters).toEqual([
      ['{ $.decision = "allow" }', "au2-Allowed"],
      ['{ $.decision = "deny" && $.status = 401 }', "au2-Denied401"],
      ['{ $.decision = "deny" && $.status = 403 }', "au2-Denied403"],
      ["{ $.seq = 0 }", "au2-AuditChainStarts"],
    ]);
    for (const f of mine("aws:cloudwatch/logMetricFilter:LogMetricFilter")) expect(f.inputs.logGroupName).toBe("/pulumi-mcp-auth/project/stack/au2");
    const alarms = mine("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
    expect(alarms.map((a) => [a.metricName, a.threshold, a.period, a.statistic, a.comparisonOperator])).toEqual([
      ["au2-Denied401", 50, 300, "Sum", "GreaterThanOrEqualToThreshold"],
      ["au2-Denied403", 20, 300, "Sum", "GreaterThanOrEqualToThreshold"],
    ]);
    // Per stack: two stacks of one program never add into each other's metrics and alarms.
    expect(alarms.every((a) => a.namespace === "PulumiMcpAuth/project/stack" && a.treatMissingData === "notBreaching")).toBe(true);
    expect(aws.auditMetricNamespace("crm", "prod")).not.toBe(aws.auditMetricNamespace("crm", "dev"));
    expect(aws.logGroupName("crm", "crm", "prod")).not.toBe(aws.logGroupName("crm", "crm", "dev"));
  });
});
