import { describe, expect, it } from "vitest";
import { renderCapabilityTable } from "../../../components/targets/capabilities.js";
import { AUTH0_CAPABILITIES } from "../../../components/targets/auth0/index.js";

describe("Auth0 capability report", () => {
  const byId = new Map(AUTH0_CAPABILITIES.items.map((c) => [c.id, c]));

  it("has one entry per policy id", () => {
    expect(byId.size).toBe(AUTH0_CAPABILITIES.items.length);
  });

  it("says Auth0 has no per-scope lifetime and that the edge enforces the maximum age per sensitivity", () => {
    expect(byId.get("per-scope-lifetime")).toMatchObject({ support: "partial", how: expect.stringMatching(/one lifetime per API.*edge enforces.*`iat`/) });
  });

  it("describes consent for first- and third-party clients and what Auth0 cannot do", () => {
    expect(byId.get("consent-install")!.how).toMatch(/Third-party clients .* always see .*first-party clients see it too/);
    expect(byId.get("consent-per-action")!.support).toBe("unsupported");
    expect(byId.get("immediate-revocation")!.support).toBe("unsupported");
  });

  it("renders as a markdown table row per policy", () => {
    const table = renderCapabilityTable([AUTH0_CAPABILITIES]);
    expect(table.split("\n")).toHaveLength(2 + AUTH0_CAPABILITIES.items.length);
    expect(table).toContain("| Access-token lifetime per sensitivity | partial: Auth0 has one lifetime per API");
  });
});
