import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";

/** McpEdge's arguments: refused before anything is registered, or before the function's code exists. */

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");

beforeAll(async () => {
  mocks = await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
});

async function archiveText(archive: pulumi.Output<pulumi.asset.AssetArchive>, file: string): Promise<string> {
  const assets = await (await promiseOf(archive, 30_000)).assets;
  return (await (assets[file] as pulumi.asset.StringAsset).text) as string;
}

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
        secrets: { "lower-case": pulumi.secret("x") },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(aws.McpEdgeArgsError);
    const paths = (err as InstanceType<typeof aws.McpEdgeArgsError>).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["logRetentionDays", "secrets.lower-case", "servers.1.name"]);
  });

  it("registers nothing, not even the component, when the arguments are invalid", async () => {
    mocks.reset();
    expect(() => new aws.McpEdge("bad6", { servers: [{ name: "Not A Name", edgeConfig: crmConfig("crm") }] })).toThrowError(aws.McpEdgeArgsError);
    await mocks.settled(50);
    expect(mocks.resources.filter((r) => r.name.startsWith("bad6"))).toEqual([]);
  });

  it("refuses a certificate outside us-east-1 at preview, before anything is created", async () => {
    mocks.reset();
    expect(
      () =>
        new aws.McpEdge("bad7", {
          servers: [{ name: "crm", edgeConfig: crmConfig("crm") }],
          customDomain: { domainName: "mcp.example.com", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" },
        }),
    ).toThrowError("customDomain.certificateArn: CloudFront only uses ACM certificates from us-east-1, and this one is in eu-west-1; request or import the certificate in us-east-1");
    await mocks.settled(50);
    expect(mocks.resources.filter((r) => r.name.startsWith("bad7"))).toEqual([]);
  });

  it("checks a certificate ARN given as an Output once it resolves, with the same message", () => {
    // edgeInputs applies this check to an Output ARN; the archive (the function's code) waits for it.
    expect(() => aws.checkCertificateArn("arn:aws:acm:eu-central-1:123456789012:certificate/abc")).toThrowError(/^customDomain\.certificateArn: .* this one is in eu-central-1/);
    expect(() => aws.checkCertificateArn("arn:aws:iam::123456789012:server-certificate/x")).toThrowError(/^customDomain\.certificateArn: expected an ACM certificate ARN/);
    expect(aws.checkCertificateArn("arn:aws:acm:us-east-1:123456789012:certificate/abc")).toBe("arn:aws:acm:us-east-1:123456789012:certificate/abc");
  });

  it("refuses secrets given as plain strings, naming each field", () => {
    let err: unknown;
    try {
      new aws.McpEdge("bad9", { servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], assertionKey: '{"kty":"OKP"}', secrets: { CRM_SECRET: "plain" } });
    } catch (e) {
      err = e;
    }
    const issues = (err as InstanceType<typeof aws.McpEdgeArgsError>).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(["assertionKey", "secrets.CRM_SECRET"]);
    expect(issues[0]!.message).toMatch(/^pass a Pulumi secret/);
  });

  it("asks for an edge config or the IdP component, and refuses an assertion key in authorizer mode", () => {
    let err: unknown;
    try {
      new aws.McpEdge("bad10", { mode: "authorizer", restApi: { id: "a", rootResourceId: "b", executionArn: "c" }, servers: [{ name: "crm" }], assertionKey: pulumi.secret("{}") });
    } catch (e) {
      err = e;
    }
    expect((err as InstanceType<typeof aws.McpEdgeArgsError>).issues).toEqual([
      { path: "servers.0.edgeConfig", message: 'give servers[0].edgeConfig, or pass idp (the IdP component) to take it from idp.servers["crm"]' },
      { path: "assertionKey", message: "authorizer mode forwards nothing, so it signs no identity assertion; remove assertionKey" },
    ]);
  });

  it("refuses a config that introspects when nothing provides its client secret, naming both ways to give it", () => {
    const cfg = { ...crmConfig("crm-admin"), introspection: { endpoint: "https://example.okta.com/oauth2/aus1/v1/introspect", clientId: "edge", clientSecretEnv: "OKTA_INTROSPECTION_CLIENT_SECRET", scopes: [], cacheSeconds: 0 } };
    // edgeInputs runs this over the resolved configs before the archive (the function's code) exists.
    expect(() => aws.namedSecretsDocument([crmConfig("crm"), cfg], {}, undefined, false)).toThrowError(
      "servers[crm-admin]: its edge config introspects tokens with a client secret named OKTA_INTROSPECTION_CLIENT_SECRET, but no idp was given; pass idp: <the IdP component> or secrets: { OKTA_INTROSPECTION_CLIENT_SECRET: <a Pulumi secret> }",
    );
    expect(() => aws.namedSecretsDocument([cfg], {}, undefined, true)).toThrowError(/but the idp component returned no introspection client secret/);
    expect(JSON.parse(aws.namedSecretsDocument([cfg], { OKTA_INTROSPECTION_CLIENT_SECRET: "given" }, "from-idp", true))).toEqual({ OKTA_INTROSPECTION_CLIENT_SECRET: "given" });
    expect(aws.namedSecretsDocument([crmConfig("crm")], {}, undefined, false)).toBe("{}");
  });

  it("takes each server's config and the introspection secret from the IdP component", async () => {
    const cfg = { ...crmConfig("crm-admin"), introspection: { endpoint: "https://example.okta.com/oauth2/aus1/v1/introspect", clientId: "edge", clientSecretEnv: "OKTA_INTROSPECTION_CLIENT_SECRET", scopes: [], cacheSeconds: 0 } };
    mocks.reset();
    const edge = new aws.McpEdge("ok11", { idp: { servers: { "crm-admin": { edgeConfig: cfg } }, introspectionClientSecret: pulumi.secret("from-idp") }, servers: [{ name: "crm-admin" }], bundleFile: fakeBundle() });
    expect(JSON.parse(await archiveText(edge.archive, "edge-config.json"))[0].introspection.clientSecretEnv).toBe("OKTA_INTROSPECTION_CLIENT_SECRET");
    await mocks.settled(50);
    expect(JSON.parse(mocks.byName("ok11-secrets", "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretString.value)).toEqual({ OKTA_INTROSPECTION_CLIENT_SECRET: "from-idp" });
    expect(mocks.byName("ok11-fn", "aws:lambda/function:Function").inputs.environment.variables.MCP_EDGE_SECRETS_ARN).toBe("arn:aws:secretsmanager:eu-west-1:123456789012:secret:ok11-secrets-AbCdEf");
  });

  it("names the servers the IdP component has when a server is not among them", () => {
    expect(() => aws.idpEdgeConfig({ crm: { edgeConfig: crmConfig("crm") } }, "billing")).toThrowError("servers[billing]: the idp component has no server named billing (it has: crm)");
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
