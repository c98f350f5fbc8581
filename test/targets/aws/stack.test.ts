import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { awsState } from "./fixtures.js";

/**
 * The example stack (stacks/aws) run under mocks: the Okta target's per-server edge configs must
 * reach the edge's archive, and the introspection secret its environment.
 */
let mocks: MockHarness;
const ASSERTION_KEY = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));
let stack: typeof import("../../../stacks/aws/index.js");

function oktaState(args: { type: string; name: string; inputs: Record<string, any> }): Record<string, unknown> | undefined {
  if (args.type === "okta:auth/server:Server") return { issuer: `https://acme.okta.com/oauth2/${args.name}-id` };
  if (args.type === "okta:app/oAuth:OAuth") return { clientId: `${args.name}-client`, clientSecret: `${args.name}-secret` };
  return undefined;
}

beforeAll(async () => {
  pulumi.runtime.setConfig("mcp-auth:edgeAssertionKey", ASSERTION_KEY);
  pulumi.runtime.setConfig("mcp-auth:jwksSnapshot", "false");
  pulumi.runtime.setConfig("mcp-auth:nightlyDigestJwksUri", "https://agents.example.com/nightly-digest/jwks.json");
  pulumi.runtime.setConfig("mcp-auth:domainName", "mcp.example.com");
  pulumi.runtime.setConfig("mcp-auth:certificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc");
  mocks = await installMocks({
    state: (a) => awsState(a) ?? oktaState(a),
    calls: { "okta:group/getGroup:getGroup": (inputs) => ({ id: `grp-${inputs.name}`, name: inputs.name }) },
  });
  stack = await import("../../../stacks/aws/index.js");
}, 60_000);

describe("the stacks/aws example", () => {
  it("serves both CRM servers from the custom domain, each with its metadata URL", async () => {
    expect(await promiseOf(stack.servers, 60_000)).toEqual({
      crm: { resource: "https://mcp.example.com/crm", mcpUrl: "https://mcp.example.com/crm", metadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/crm" },
      "crm-admin": {
        resource: "https://mcp.example.com/crm-admin",
        mcpUrl: "https://mcp.example.com/crm-admin",
        metadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/crm-admin",
      },
    });
  });

  it("wires Okta's issuers into the shipped edge configs and its introspection secret into Secrets Manager, not the environment", async () => {
    await promiseOf(stack.alarms, 60_000);
    expect(await promiseOf(stack.distributionDomainName, 60_000)).toBe("d111111abcdef8.cloudfront.net");
    await mocks.settled(100);
    const fn = mocks.ofType("aws:lambda/function:Function");
    expect(fn).toHaveLength(1);
    const env = fn[0]!.inputs.environment.variables as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(["MCP_EDGE_ASSERTION_KEY_ARN", "MCP_EDGE_SECRETS_ARN"]);
    const named = mocks.byName("crm-secrets", "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretString;
    expect(JSON.parse(named.value)).toEqual({ OKTA_INTROSPECTION_CLIENT_SECRET: "crm-edge-introspection-secret" });
    const key = mocks.byName("crm-assertion-key", "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretString;
    expect(key.value).toBe(ASSERTION_KEY);
    const issuers = await promiseOf(pulumi.output(stack.oktaIssuers));
    expect(issuers).toEqual({ crm: "https://acme.okta.com/oauth2/crm-crm-id", "crm-admin": "https://acme.okta.com/oauth2/crm-crm-admin-id" });
    expect(mocks.ofType("aws:cloudfront/distribution:Distribution")).toHaveLength(1);
  });
});
