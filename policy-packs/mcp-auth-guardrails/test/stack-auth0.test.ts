import { describe, expect, it } from "vitest";
import { AGENT_PUBLIC_KEY_PEM } from "../../../test/targets/auth0/fixtures.js";
import { mandatoryViolations, stackResources } from "./stack-harness.js";

describe("the Auth0 example stack under the policy pack", () => {
  it("produces no mandatory violation, and its component carries the plan", async () => {
    const resources = await stackResources(
      () => import("../../../stacks/auth0/index.js"),
      {
        "auth0:domain": "acme.eu.auth0.com",
        "auth0:clientId": "mgmt-client",
        "auth0:clientSecret": "not-a-real-secret",
        "mcp-auth:manageTenant": "true",
        "mcp-auth:domainConnection": "mcp-users",
        "mcp-auth:nightlyDigestPublicKeyPem": AGENT_PUBLIC_KEY_PEM,
      },
      { state: (a) => (a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : undefined) },
    );
    expect(resources.filter((r) => r.type.startsWith("auth0:")).length).toBeGreaterThan(10);
    expect(resources.find((r) => r.type.startsWith("pulumi-mcp-auth:auth0:"))?.props.plan).toMatchObject({ planVersion: 1, name: "crm" });
    expect(await mandatoryViolations(resources)).toEqual({});
  });
});
