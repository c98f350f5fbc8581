import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AGENT_PUBLIC_KEY_PEM } from "../targets/auth0/fixtures.js";
import { installMocks, promiseOf, type MockHarness } from "../support/pulumi-mocks.js";

let mocks: MockHarness;

beforeAll(async () => {
  mocks = await installMocks({ state: (a) => (a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : undefined) });
});

describe("the root Pulumi program (Pulumi.yaml → stacks/index.ts)", () => {
  it("refuses an unknown mcp-auth:idp, naming the allowed values and the command to fix it", async () => {
    pulumi.runtime.setAllConfig({ "mcp-auth:idp": "keycloak" });
    vi.resetModules();
    await expect(import("../../stacks/index.js")).rejects.toThrow("mcp-auth:idp must be one of okta, auth0, entra, got 'keycloak'; run: pulumi config set mcp-auth:idp okta");
    expect(mocks.resources).toEqual([]);
  });

  it("runs the chosen IdP's example stack and exports its outputs", async () => {
    pulumi.runtime.setAllConfig({
      "mcp-auth:idp": "auth0",
      "auth0:domain": "acme.eu.auth0.com",
      "mcp-auth:nightlyDigestPublicKeyPem": AGENT_PUBLIC_KEY_PEM,
    });
    vi.resetModules();
    const root = await import("../../stacks/index.js");
    expect(root.outputs.idp).toBe("auth0");
    expect(await promiseOf((root.outputs as { issuer: pulumi.Output<string> }).issuer)).toBe("https://acme.eu.auth0.com/");
    await mocks.settled();
    expect(mocks.ofType("auth0:index/resourceServer:ResourceServer").map((r) => r.inputs.identifier)).toEqual(["https://mcp.example.com/crm", "https://mcp.example.com/crm-admin"]);
  });
});
