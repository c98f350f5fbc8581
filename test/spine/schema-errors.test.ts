import { describe, expect, it } from "vitest";
import { DeclarationError, defineMcpAuth, parseDeclarations } from "../../components/index.js";
import twentyMistakes from "../fixtures/declarations/twenty-mistakes.js";
import crm from "../../stacks/crm/mcp-auth.js";

function issuesOf(input: unknown) {
  try {
    parseDeclarations(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DeclarationError);
    return (err as DeclarationError).issues;
  }
  throw new Error("expected the declaration to be rejected");
}

describe("declaration validation", () => {
  it("reports all 20 mistakes of the twenty-mistakes fixture at once, each with its path and what was expected", () => {
    const issues = issuesOf(twentyMistakes);
    const byPath = new Map(issues.map((i) => [i.path, i.message]));
    const expected: [string, RegExp][] = [
      ["name", /lowercase slug/],
      ['scopes["crm:customers:write"].description', /description/],
      ['scopes["crm:customers:export"].sensitivity', /expected one of "routine", "high", "critical", got "medium"/],
      ['scopes["crm:deals:read"]', /unknown key 'sensitivty'/],
      ['scopes["crm:deals:write"].implies[0]', /scope 'crm:deal:read' is not declared/],
      ["servers[0].upstream", /absolute http\(s\) URL/],
      ["servers[0].displayName", /required; expected string/],
      ["servers[0].tools.export_customers.scopes[0]", /scope 'crm:customers:exprt' is not declared/],
      ['servers[0].tools["export customers!"]', /invalid name: expected an MCP tool name/],
      ["servers[0].consent.mandatory[0]", /scope 'crm:contacts:read' is not declared/],
      ["servers[0].allowedOrigins[0]", /absolute http\(s\) URL/],
      ["servers[1].name", /duplicate server name 'crm'/],
      ["servers[1].resource", /duplicate resource URI \(also servers\[0\]\)/],
      ["tiers.verified.pkce", /got "S512"/],
      ["tiers.verified.clients[1].name", /duplicate client name 'desktop'/],
      ["tiers.verified.exceptions[0].justification", /at least 20 characters/],
      ["tiers.dcr.registration", /got "dynamic"/],
      ["tiers.dcr.grantTypes", /at least 1 item/],
      ["groups.sales-reps.scopes", /at least 1 item/],
      ["dev.users[0].groups[0]", /group 'sales' is not declared/],
    ];
    for (const [p, message] of expected) expect(byPath.get(p), p).toMatch(message);
    expect(issues).toHaveLength(20);
  });

  it("validates the value behind an invalid tier name instead of hiding its problems", () => {
    const issues = issuesOf({ ...crm, tiers: { Bad_Tier: { registration: "dcr", clientType: "public", grantTypes: ["implicit"], maxSensitivity: "low" } } });
    expect(issues.map((i) => i.path)).toEqual(["tiers.Bad_Tier", "tiers.Bad_Tier.maxSensitivity"]);
    expect(issues[0]!.message).toMatch(/invalid name: expected a lowercase slug/);
  });

  it("treats resource URIs that differ only in path case as different servers", () => {
    const [crmServer, admin] = crm.servers;
    const decl = { ...crm, servers: [crmServer, { ...admin, resource: "https://mcp.example.com/CRM" }] };
    expect(() => parseDeclarations(decl)).not.toThrow();
  });

  it("rejects duplicate dev usernames", () => {
    const decl = { ...crm, dev: { users: [{ username: "alice" }, { username: "alice" }] } };
    expect(issuesOf(decl)).toEqual([{ path: "dev.users[1].username", message: "duplicate username 'alice' (also dev.users[0])" }]);
  });

  it("summarises every problem in the error message", () => {
    expect(() => parseDeclarations(twentyMistakes)).toThrow(/invalid \(20 problems\):\n {2}- name: /);
  });

  it("returns the declaration unchanged from defineMcpAuth so editors get its types", () => {
    expect(defineMcpAuth(crm)).toBe(crm);
  });
});
