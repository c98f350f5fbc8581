import { describe, expect, it } from "vitest";
import { OKTA_MOCKS } from "../../../test/targets/okta/fixture.js";
import { mandatoryViolations, stackResources } from "./stack-harness.js";

describe("the Okta example stack under the policy pack", () => {
  it("produces no mandatory violation, and its component carries the plan", async () => {
    const resources = await stackResources(() => import("../../../stacks/okta/index.js"), {
      "mcp-auth:clientJwksUris": JSON.stringify({ "agent/nightly-digest": "https://agents.example.com/jwks.json" }),
      "mcp-auth:groupIds": JSON.stringify({ "crm-admins": "00g-a", "sales-ops": "00g-o", "sales-reps": "00g-r" }),
    }, OKTA_MOCKS);
    expect(resources.filter((r) => r.type.startsWith("okta:")).length).toBeGreaterThan(30);
    expect(resources.find((r) => r.type === "pulumi-mcp-auth:okta:McpAuth")?.props.plan).toMatchObject({ planVersion: 1, name: "crm" });
    expect(await mandatoryViolations(resources)).toEqual({});
  });
});
