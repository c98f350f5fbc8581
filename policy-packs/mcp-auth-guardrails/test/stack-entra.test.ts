import { describe, expect, it } from "vitest";
import { mandatoryViolations, stackResources } from "./stack-harness.js";

describe("the Entra example stack under the policy pack", () => {
  it("produces no mandatory violation, and its component carries the plan", async () => {
    const resources = await stackResources(
      () => import("../../../stacks/entra/index.js"),
      {
        "azuread:tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "mcp-auth:verifiedDomains": JSON.stringify(["example.com"]),
        "mcp-auth:groupObjectIds": JSON.stringify({ "crm-admins": "aaaaaaaa-0000-4000-8000-000000000003" }),
      },
      { state: (a) => (a.type === "azuread:index/application:Application" ? { clientId: "0d3c5f0e-1c1a-4b5e-9a57-1f3c2b4d5e6f", objectId: "o" } : { objectId: `${a.name}-oid` }) },
    );
    expect(resources.filter((r) => r.type.startsWith("azuread:")).length).toBeGreaterThan(5);
    expect(resources.find((r) => r.type.startsWith("pulumi-mcp-auth:entra:"))?.props.plan).toMatchObject({ planVersion: 1, name: "crm" });
    expect(await mandatoryViolations(resources)).toEqual({});
  });
});
