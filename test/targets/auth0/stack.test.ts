import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../../lambda/config.js";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { AGENT_PUBLIC_KEY_PEM } from "./fixtures.js";

let mocks: MockHarness;
let stack: typeof import("../../../stacks/auth0/index.js");

describe("stacks/auth0 (the CRM example on Auth0) under mocks", () => {
  beforeAll(async () => {
    mocks = await installMocks({
      state: (a) => (a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : undefined),
    });
    pulumi.runtime.setAllConfig(
      {
        "auth0:domain": "acme.eu.auth0.com",
        "auth0:clientId": "mgmt-client",
        "auth0:clientSecret": "not-a-real-secret",
        "mcp-auth:manageTenant": "true",
        "mcp-auth:domainConnection": "mcp-users",
        "mcp-auth:nightlyDigestPublicKeyPem": AGENT_PUBLIC_KEY_PEM,
      },
      ["auth0:clientSecret"],
    );
    stack = await import("../../../stacks/auth0/index.js");
    await promiseOf(stack.servers);
    await mocks.settled();
  });

  it("reads its config and provisions the tenant settings, the connection and both APIs", () => {
    expect(mocks.ofType("auth0:index/tenant:Tenant")).toHaveLength(1);
    expect(mocks.byName("crm-connection").inputs.name).toBe("mcp-users");
    expect(mocks.ofType("auth0:index/resourceServer:ResourceServer").map((r) => r.inputs.tokenLifetime)).toEqual([900, 300]);
  });

  it("leaves roles and RBAC alone when mcp-auth:groupsRbac is unset", async () => {
    expect(mocks.ofType("auth0:index/role:Role")).toEqual([]);
    expect(mocks.ofType("auth0:index/resourceServer:ResourceServer").map((r) => r.inputs.enforcePolicies)).toEqual([false, false]);
    expect(await promiseOf(stack.roles)).toEqual({});
  });

  it("exports the issuer, client ids and one valid edge config per MCP server", async () => {
    expect(await promiseOf(stack.issuer)).toBe("https://acme.eu.auth0.com/");
    expect(Object.keys(await promiseOf(stack.clientIds)).sort()).toEqual(["agent.nightly-digest", "verified.claude-code", "verified.internal-portal"]);
    const edge = await promiseOf(stack.edgeConfigs);
    expect(Object.keys(edge).sort()).toEqual(["crm", "crm-admin"]);
    for (const cfg of Object.values(edge)) expect(() => parseEdgeConfig(cfg)).not.toThrow();
    expect((await promiseOf(stack.tenantSettings)).managed).toBe(true);
  });
});
