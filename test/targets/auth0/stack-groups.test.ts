import { describe, expect, it } from "vitest";
import { mandatoryViolations, stackResources } from "../../../policy-packs/mcp-auth-guardrails/test/stack-harness.js";
import { AGENT_PUBLIC_KEY_PEM } from "./fixtures.js";

// One stack import per process (module cache): this file runs the example with mcp-auth:groupsRbac=true.
describe("stacks/auth0 with mcp-auth:groupsRbac=true under mocks and the policy pack", () => {
  it("creates a role per group with its permissions, enforces RBAC on both APIs, and violates no mandatory policy", async () => {
    const resources = await stackResources(
      () => import("../../../stacks/auth0/index.js"),
      {
        "auth0:domain": "acme.eu.auth0.com",
        "auth0:clientId": "mgmt-client",
        "auth0:clientSecret": "not-a-real-secret",
        "mcp-auth:nightlyDigestPublicKeyPem": AGENT_PUBLIC_KEY_PEM,
        "mcp-auth:groupsRbac": "true",
      },
      { state: (a) => (a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : undefined) },
    );
    const of = (type: string) => resources.filter((r) => r.type === type);
    expect(of("auth0:index/role:Role").map((r) => r.props.name).sort()).toEqual(["CRM Admins", "CRM Sales", "CRM Sales Ops"]);
    expect(of("auth0:index/rolePermissions:RolePermissions")).toHaveLength(3);
    expect(of("auth0:index/resourceServer:ResourceServer").map((r) => r.props.enforcePolicies)).toEqual([true, true]);
    expect(await mandatoryViolations(resources)).toEqual({});
  });
});
