import { describe, expect, it } from "vitest";
import { awsCapabilityReport } from "../../../components/targets/aws/capabilities.js";
import { renderCapabilityTable } from "../../../components/targets/capabilities.js";

describe("the AWS capability report", () => {
  it("covers the same policies in both modes, each once", () => {
    const ids = (m: "gateway" | "authorizer") => awsCapabilityReport(m).items.map((c) => c.id);
    expect(new Set(ids("gateway")).size).toBe(ids("gateway").length);
    expect([...ids("authorizer")].sort()).toEqual([...ids("gateway")].sort());
  });

  it("says plainly that authorizer mode checks tools from headers only and forwards the token", () => {
    const az = awsCapabilityReport("authorizer").items;
    expect(az.find((c) => c.id === "per-tool-scopes")).toMatchObject({ support: "partial" });
    expect(az.find((c) => c.id === "per-tool-scopes")!.how).toMatch(/no body/);
    expect(az.find((c) => c.id === "token-not-forwarded")).toMatchObject({ support: "unsupported" });
    expect(awsCapabilityReport("gateway").items.every((c) => c.support === "edge")).toBe(true);
  });

  it("renders into the shared capability table", () => {
    const table = renderCapabilityTable([awsCapabilityReport("authorizer")]);
    expect(table.split("\n")[0]).toBe("| policy | aws |");
    expect(table).toContain("| Per-tool scopes | partial: Checked from the `Mcp-Method`/`Mcp-Name` headers only");
  });
});
