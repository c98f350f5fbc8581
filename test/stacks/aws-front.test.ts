import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { FEDERATION_CALLBACK_PATH } from "../../components/front/index.js";
import { installMocks, promiseOf, type MockHarness } from "../support/pulumi-mocks.js";
import { awsState, fakeBundle } from "../targets/aws/fixtures.js";

/**
 * stacks/aws with `mcp-auth:authorization front`, under mocks: McpEdge and McpAuthFront composed,
 * the Okta target creating the front's upstream client, the edge trusting only the front.
 */
let mocks: MockHarness;
let stack: typeof import("../../stacks/aws/index.js");
const ASSERTION_KEY = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));

function oktaState(a: { type: string; name: string; inputs: Record<string, any> }): Record<string, unknown> | undefined {
  if (a.type === "okta:auth/server:Server") return { issuer: `https://acme.okta.com/oauth2/${a.name}-id` };
  if (a.type === "okta:app/oAuth:OAuth") return { clientId: `${a.name}-client`, clientSecret: `${a.name}-secret` };
  return undefined;
}

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  pulumi.runtime.setAllConfig({
    "mcp-auth:authorization": "front",
    "mcp-auth:nightlyDigestJwksUri": "https://agents.example.com/nightly-digest/jwks.json",
    "mcp-auth:edgeAssertionKey": ASSERTION_KEY,
    "mcp-auth:domainName": "mcp.example.com",
    "mcp-auth:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/edge",
    "mcp-auth:frontDomainName": "auth.example.com",
    "mcp-auth:frontCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/front",
    "mcp-auth:frontSigningKey": JSON.stringify({ ...(await exportJWK(privateKey)), kid: "f1", alg: "RS256" }),
    "mcp-auth:frontBundleFile": fakeBundle(),
  });
  mocks = await installMocks({
    state: (a) =>
      awsState(a) ??
      oktaState(a) ??
      (a.type === "aws:dynamodb/table:Table" ? { name: `${a.name}-generated`, arn: `arn:aws:dynamodb:eu-west-1:123456789012:table/${a.name}` } : a.type.startsWith("aws:kms") || a.type.startsWith("aws:secretsmanager/secret:") ? { arn: `arn:aws:x:eu-west-1:123456789012:${a.name}` } : undefined),
    calls: { "okta:group/getGroup:getGroup": (inputs) => ({ id: `grp-${inputs.name}`, name: inputs.name }) },
  });
  stack = await import("../../stacks/aws/index.js");
}, 60_000);

describe("stacks/aws with mcp-auth:authorization front", () => {
  it("deploys the front on its host, with Okta's upstream client registered at the front's callback", async () => {
    expect(stack.mode).toBe("front");
    expect(await promiseOf(stack.frontIssuer!, 30_000)).toBe("https://auth.example.com");
    await promiseOf(stack.frontAlarms!, 30_000);
    await promiseOf(stack.alarms, 60_000);
    await mocks.settled(100);
    expect(mocks.byName("crm-front-upstream", "okta:app/oAuth:OAuth").inputs.redirectUris).toEqual([`https://auth.example.com${FEDERATION_CALLBACK_PATH}`]);
    expect(mocks.ofType("aws:dynamodb/table:Table")).toHaveLength(1);
  });

  it("makes the edge trust only the front: its configs name the front as issuer, its secret is the front's edge client", async () => {
    expect(await promiseOf(stack.servers, 60_000)).toMatchObject({ crm: { resource: "https://mcp.example.com/crm" }, "crm-admin": { resource: "https://mcp.example.com/crm-admin" } });
    await promiseOf(stack.alarms, 60_000);
    await mocks.settled(100);
    expect(mocks.ofType("aws:lambda/function:Function").map((f) => f.name).sort()).toEqual(["crm-fn", "crm-front-fn"]);
    const edgeFn = mocks.ofType("aws:lambda/function:Function").find((f) => f.name === "crm-fn")!;
    const assets = await (edgeFn.inputs.code as pulumi.asset.AssetArchive).assets;
    const configs = JSON.parse((await (assets["edge-config.json"] as pulumi.asset.StringAsset).text) as string) as Array<{ resource: string; issuers: string[]; authorizationServers: string[]; tokenTypes?: string[]; jwks?: { keys: unknown[] } }>;
    expect(configs.map((c) => c.resource).sort()).toEqual(["https://mcp.example.com/crm", "https://mcp.example.com/crm-admin"]);
    for (const c of configs) {
      expect(c.issuers).toEqual(["https://auth.example.com"]);
      expect(c.authorizationServers).toEqual(["https://auth.example.com"]);
      expect(c.tokenTypes).toEqual(["at+jwt"]);
      expect(c.jwks?.keys).toHaveLength(1);
    }
    const named = JSON.parse(mocks.byName("crm-secrets", "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretString.value) as Record<string, string>;
    expect(Object.keys(named)).toEqual(["MCP_FRONT_EDGE_CLIENT_SECRET"]);
    const env = (edgeFn.inputs.environment.value ?? edgeFn.inputs.environment).variables as Record<string, string>;
    expect(Object.keys(env)).not.toContain("MCP_FRONT_EDGE_CLIENT_SECRET");
  });

  it("refuses an unknown mode, naming the allowed values and the command to fix it", async () => {
    pulumi.runtime.setConfig("mcp-auth:authorization", "gateway");
    vi.resetModules();
    await expect(import("../../stacks/aws/index.js")).rejects.toThrow("mcp-auth:authorization must be 'direct' or 'front', got 'gateway'; run: pulumi config set mcp-auth:authorization front");
  });
});
