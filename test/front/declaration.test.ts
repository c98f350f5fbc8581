import { describe, expect, it } from "vitest";
import { compile } from "../../components/index.js";
import { ruleById } from "../../components/rules/index.js";
import crm from "../../stacks/crm/mcp-auth.js";

/** `authorization: "direct" | "front"` per server, and the check rule explaining direct mode's trade-offs. */
describe("the authorization mode of a server", () => {
  const withMode = (mode: "direct" | "front" | undefined) => {
    const decl = structuredClone(crm) as unknown as { servers: Array<{ authorization?: string }> };
    for (const s of decl.servers) if (mode) s.authorization = mode;
    return compile(decl);
  };
  const rule = ruleById("direct-mode-trade-offs")!;

  it("is carried into the plan as declared, and absent when undeclared", () => {
    expect(withMode("front").servers.map((s) => s.authorization)).toEqual(["front", "front"]);
    expect(withMode(undefined).servers.every((s) => !("authorization" in s))).toBe(true);
  });

  it("is refused when it is neither direct nor front, naming the field", () => {
    const decl = structuredClone(crm) as unknown as { servers: Array<{ authorization?: string }> };
    decl.servers[0]!.authorization = "proxy";
    expect(() => compile(decl)).toThrow(/authorization/);
  });

  it("explains that direct mode leaves CIMD/DCR clients to the IdP and lets a refresh renew critical scopes", () => {
    const findings = rule.check(withMode("direct"));
    const crmFindings = findings.filter((f) => f.target.name === "crm").map((f) => f.message);
    expect(crmFindings.some((m) => /tiers 'cimd', 'dcr' can connect only where the IdP registers them itself/.test(m))).toBe(true);
    const admin = findings.filter((f) => f.target.name === "crm-admin").map((f) => f.message);
    expect(admin.some((m) => /per-action scopes .*'crm:settings:write'.* renewed by a refresh token/.test(m))).toBe(true);
  });

  it("finds nothing for servers behind the front or undeclared", () => {
    expect(rule.check(withMode("front"))).toEqual([]);
    expect(rule.check(withMode(undefined))).toEqual([]);
  });
});
