import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { safeParse } from "zod/v4/core";
import { EdgeConfigSchema } from "../../../lambda/config.js";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { OKTA_MOCKS } from "./fixture.js";

let mocks: MockHarness;

beforeAll(async () => {
  mocks = await installMocks({ ...OKTA_MOCKS, project: "mcp-auth-crm-okta", stack: "dev" });
});

describe("the Okta example stack (stacks/okta)", () => {
  it("fails the preview with the config key to set when the agent's JWKS URI is missing", async () => {
    pulumi.runtime.setAllConfig({});
    vi.resetModules();
    await expect(import("../../../stacks/okta/index.js")).rejects.toThrow(/clientJwksUris\["agent\/nightly-digest"\]/);
    expect(mocks.resources.filter((r) => r.type.startsWith("okta:"))).toEqual([]);
  });

  it("provisions the CRM example from stack config and exports each server's edge config", async () => {
    pulumi.runtime.setAllConfig({
      "mcp-auth:clientJwksUris": JSON.stringify({ "agent/nightly-digest": "https://agents.example.com/jwks.json" }),
      "mcp-auth:groupIds": JSON.stringify({ "crm-admins": "00g-a", "sales-ops": "00g-o", "sales-reps": "00g-r" }),
      "mcp-auth:namePrefix": "CRM",
    });
    vi.resetModules();
    mocks.reset();
    const stack = await import("../../../stacks/okta/index.js");
    await mocks.settled();
    expect(Object.keys(stack.servers).sort()).toEqual(["crm", "crm-admin"]);
    for (const s of Object.values(stack.servers)) {
      expect(safeParse(EdgeConfigSchema, await promiseOf(s.edgeConfig)).success).toBe(true);
    }
    expect(await promiseOf(stack.servers.crm!.issuer)).toBe("https://example.okta.com/oauth2/crm-crm-id");
    expect(mocks.calls).toEqual([]);
    expect(mocks.byName("crm-crm", "okta:auth/server:Server").inputs.name).toBe("CRM crm");
    expect(mocks.ofType("okta:auth/serverPolicyRule:ServerPolicyRule")).toHaveLength(11);
    expect(stack.capabilities).toContain("unsupported: Dynamic client registration");
  });

  it("creates the authorization front's upstream client when mcp-auth:frontRedirectUri is set", async () => {
    pulumi.runtime.setAllConfig({
      "mcp-auth:clientJwksUris": JSON.stringify({ "agent/nightly-digest": "https://agents.example.com/jwks.json" }),
      "mcp-auth:groupIds": JSON.stringify({ "crm-admins": "00g-a", "sales-ops": "00g-o", "sales-reps": "00g-r" }),
      "mcp-auth:frontRedirectUri": "https://auth.example.com/federation/callback",
    });
    vi.resetModules();
    mocks.reset();
    const stack = await import("../../../stacks/okta/index.js");
    await mocks.settled();
    expect(mocks.byName("crm-front-upstream", "okta:app/oAuth:OAuth").inputs.redirectUris).toEqual(["https://auth.example.com/federation/callback"]);
    expect(await pulumi.isSecret(stack.frontUpstream!.clientSecret)).toBe(true);
  });
});
