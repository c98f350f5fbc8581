import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

  it("reports group restrictions as native through opt-in RBAC roles, saying agents are exempt and user assignment is left to the tenant", () => {
    const groups = byId.get("groups")!;
    expect(groups.support).toBe("native");
    expect(groups.how).toMatch(/Opt-in .*mode: "rbac".*off by default/);
    expect(groups.how).toMatch(/`auth0.Role` per group.*`RolePermissions`.*`enforcePolicies`/);
    expect(groups.how).toMatch(/Client-credentials \(agent\) tokens are not subject to RBAC/);
    expect(groups.how).toMatch(/`auth0.UserRoles`.*post-login Action/);
  });

  it("renders as a markdown table row per policy", () => {
    const table = renderCapabilityTable([AUTH0_CAPABILITIES]);
    expect(table.split("\n")).toHaveLength(2 + AUTH0_CAPABILITIES.items.length);
    expect(table).toContain("| Access-token lifetime per sensitivity | partial: Auth0 has one lifetime per API");
  });
});

describe("docs/auth0.md", () => {
  const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/auth0.md");
  const START = "<!-- auth0-capabilities:start -->";
  const END = "<!-- auth0-capabilities:end -->";

  it("shows the capability table generated from AUTH0_CAPABILITIES (UPDATE_DOCS=1 rewrites it)", () => {
    let text = readFileSync(DOC, "utf8");
    const block = `${START}\n${renderCapabilityTable([AUTH0_CAPABILITIES])}\n${END}`;
    expect(text.indexOf(START)).toBeGreaterThan(0);
    const current = text.slice(text.indexOf(START), text.indexOf(END) + END.length);
    if (process.env.UPDATE_DOCS && current !== block) {
      text = text.replace(current, block);
      writeFileSync(DOC, text);
    }
    expect(text).toContain(block);
  });
});
