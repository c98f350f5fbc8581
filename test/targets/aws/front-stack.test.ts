import { exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../../components/plan/compile.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { awsState, fakeBundle } from "./fixtures.js";

/**
 * The composition the per-IdP front examples share (stacks/front-compose.ts), under mocks with a
 * stand-in for an IdP target's `frontUpstream`: the front on its own host, the edge trusting it.
 */
let mocks: MockHarness;
let compose: typeof import("../../../stacks/front-compose.js");

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  pulumi.runtime.setConfig("mcp-auth:frontDomainName", "auth.example.com");
  pulumi.runtime.setConfig("mcp-auth:frontCertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/front");
  pulumi.runtime.setConfig("mcp-auth:frontSigningKey", JSON.stringify({ ...(await exportJWK(privateKey)), kid: "f1", alg: "RS256" }));
  pulumi.runtime.setConfig("mcp-auth:frontBundleFile", fakeBundle());
  mocks = await installMocks({
    state: (a) =>
      awsState(a) ??
      (a.type === "aws:dynamodb/table:Table" ? { name: `${a.name}-generated`, arn: `arn:aws:dynamodb:eu-west-1:123456789012:table/${a.name}` } : a.type.startsWith("aws:kms") || a.type.startsWith("aws:secretsmanager/secret:") ? { arn: `arn:aws:x:eu-west-1:123456789012:${a.name}` } : undefined),
  });
  compose = await import("../../../stacks/front-compose.js");
}, 60_000);

describe("front examples: McpAuthFront composed with McpEdge", () => {
  it("puts the front on its own host with the IdP callback below it, and makes the edge trust only the front", async () => {
    const config = new pulumi.Config("mcp-auth");
    expect(compose.frontHost(config)).toEqual({ domainName: "auth.example.com", issuer: "https://auth.example.com", callbackUrl: "https://auth.example.com/federation/callback" });
    const plan = compile(crm);
    const out = compose.deployFrontAndEdge("ex", plan, { issuer: "https://acme.okta.com", clientId: "0oa-front", clientSecret: pulumi.secret("s"), groupsClaim: "groups" }, config, { project: "crm" });
    expect(await promiseOf(out.frontIssuer)).toBe("https://auth.example.com");
    await promiseOf(out.edgeAlarms, 30_000);
    await promiseOf(out.edgeFunctionUrl, 30_000);
    await mocks.settled();
    const fns = mocks.ofType("aws:lambda/function:Function");
    expect(fns.map((f) => f.name).sort()).toEqual(["ex-fn", "ex-front-fn"]);
    expect(mocks.ofType("aws:cloudwatch/logGroup:LogGroup").map((l) => l.inputs.name).sort()).toEqual(["/pulumi-mcp-auth/project/stack/ex", "/pulumi-mcp-auth/project/stack/ex-front"]);
    const edgeFn = fns.find((f) => f.name === "ex-fn");
    expect(edgeFn).toBeDefined();
    const assets = await (edgeFn!.inputs.code as pulumi.asset.AssetArchive).assets;
    const configs = JSON.parse((await (assets["edge-config.json"] as pulumi.asset.StringAsset).text) as string) as Array<{ issuers: string[]; authorizationServers: string[]; jwks?: { keys: unknown[] }; tokenTypes?: string[] }>;
    expect(configs).toHaveLength(plan.servers.length);
    for (const c of configs) {
      expect(c.issuers).toEqual(["https://auth.example.com"]);
      expect(c.authorizationServers).toEqual(["https://auth.example.com"]);
      expect(c.jwks?.keys).toHaveLength(1);
      expect(c.tokenTypes).toEqual(["at+jwt"]);
    }
    const edgeEnv = Object.keys((edgeFn!.inputs.environment.value ?? edgeFn!.inputs.environment).variables);
    // The edge client secret reaches the function through Secrets Manager (the named secrets), never the environment.
    expect(edgeEnv).toContain("MCP_EDGE_SECRETS_ARN");
    expect(edgeEnv).not.toContain("MCP_FRONT_EDGE_CLIENT_SECRET");
  });

  it("explains how to fix an IdP component created without its front argument", () => {
    expect(() => compose.frontUpstreamOf({}, "OktaMcpAuth")).toThrow(/OktaMcpAuth has no frontUpstream output: create it with its 'front' argument/);
  });
});
