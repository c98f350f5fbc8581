import { describe, expect, it } from "vitest";
import { compile, McpAuthPlanSchema, type McpAuthPlan } from "../../components/index.js";
import { ruleById, rules, runRules, summarizeFindings } from "../../components/rules/index.js";
import { omnibusProblem } from "../../components/rules/omnibus.js";
import { redirectUriProblem } from "../../components/rules/exact-redirect-uris.js";
import { sensitiveVerbWord } from "../../components/rules/sensitive-verbs-not-routine.js";
import { capReason } from "../../components/rules/tier-sensitivity-cap.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { base } from "../fixtures/declarations/_base.js";
import { FIXTURES, ROOT, ruleFixtureIds } from "./helpers.js";
import { loadDeclarationFile } from "../../cli/load.js";
import path from "node:path";

/**
 * Loads a fixture the way the CLI does (TypeScript, default export) and compiles it. Rules over
 * bounds that compile() refuses have a hand-edited plan as their fixture instead.
 */
async function fixturePlan(id: string): Promise<McpAuthPlan> {
  const loaded = await loadDeclarationFile(path.join(FIXTURES, `${id}.ts`), ROOT);
  if (typeof loaded === "object" && loaded !== null && "planVersion" in loaded) return McpAuthPlanSchema.parse(loaded);
  return compile(loaded);
}

describe("guardrail rule catalogue", () => {
  it("has unique kebab-case ids, sorted, each with a description and a reference", () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(r.description.length).toBeGreaterThan(20);
      expect(r.reference.length).toBeGreaterThan(5);
    }
  });

  it("has a broken fixture for every rule and a rule for every broken fixture", () => {
    expect(ruleFixtureIds()).toEqual(rules.map((r) => r.id));
  });
});

describe("every rule passes the CRM example and the fixture base", () => {
  it("finds nothing in the CRM example but the warning that its critical scopes' per-action consent needs the authorization front", () => {
    const findings = runRules(compile(crm));
    expect(findings.map((f) => [f.ruleId, f.severity, f.target.name])).toEqual([["per-action-consent-direct", "warning", "crm-admin"]]);
  });

  it("finds nothing at all in the fixture base", () => {
    expect(runRules(compile(base()))).toEqual([]);
  });
});

describe.each(rules.map((r) => r.id))("rule %s", (id) => {
  it("fails its fixture, and no other rule does", async () => {
    const findings = runRules(await fixturePlan(id));
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set([id]));
  });

  it("reports findings with the rule's severity and reference, a one-sentence message naming the target, and a fix", async () => {
    const rule = ruleById(id)!;
    for (const f of rule.check(await fixturePlan(id))) {
      expect(f).toMatchObject({ ruleId: id, severity: rule.severity, reference: rule.reference });
      expect(f.message).toMatch(/^[A-Z].*\.$/);
      expect(f.message).not.toMatch(/\.\s+[A-Z]/);
      expect(f.fix.length).toBeGreaterThan(10);
      const shortName = f.target.name.split("/").pop()!;
      expect(`${f.message} ${f.target.kind === "plan" ? "global" : ""}`).toMatch(new RegExp(`${escape(shortName)}|global`));
    }
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("rule details", () => {
  it("recognises wildcard and omnibus scope names but not ordinary ones", () => {
    for (const bad of ["*", "all", "admin", "full_access", "default", "basic", "offline_access", "crm:*", "crm:customers:*", "crm:customers:all", "crm:*:read"]) {
      expect(omnibusProblem(bad), bad).toBeDefined();
    }
    for (const ok of ["crm:customers:read", "crm:settings:write", "crm:allowances:read", "crm:admin_notes:read"]) expect(omnibusProblem(ok), ok).toBeUndefined();
  });

  it("recognises destructive and exfiltrating verbs word by word", () => {
    expect(sensitiveVerbWord("crm:contacts:bulk_email")).toBe("bulk");
    expect(sensitiveVerbWord("crm:customers:hard_delete")).toBe("delete");
    expect(sensitiveVerbWord("crm:deals:close")).toBe("close");
    expect(sensitiveVerbWord("crm:closets:read")).toBeUndefined();
    expect(sensitiveVerbWord("crm:exports:read")).toBeUndefined();
  });

  it("accepts exact https and loopback redirect URIs and rejects the rest", () => {
    for (const ok of ["https://app.example.com/cb", "http://127.0.0.1/cb", "http://localhost:8080/cb", "http://[::1]/cb", "https://app.example.com/cb?x=1"]) {
      expect(redirectUriProblem(ok), ok).toBeUndefined();
    }
    expect(redirectUriProblem("http://app.example.com/cb")).toMatch(/not loopback/);
    expect(redirectUriProblem("https://app.example.com/cb#frag")).toMatch(/fragment/);
    expect(redirectUriProblem("https://*.example.com/cb")).toMatch(/wildcard/);
    expect(redirectUriProblem("com.example.app:/cb")).toMatch(/scheme/);
    expect(redirectUriProblem("/cb")).toMatch(/absolute/);
  });

  it("caps open-registration and client-credentials tiers, but not pre-registered ones", () => {
    expect(capReason({ registration: "dcr" })).toBeDefined();
    expect(capReason({ registration: "cimd" })).toBeDefined();
    expect(capReason({ registration: "client-credentials" })).toBeDefined();
    expect(capReason({ registration: "pre-registered" })).toBeUndefined();
  });

  it("lets a capped tier hold a scope above routine through a justified exception", () => {
    const d = base();
    d.tiers.dcr = { ...d.tiers.dcr!, exceptions: [{ scope: "notes:pages:delete", justification: "Support bots delete spam pages reported by users." }] };
    const plan = compile(d);
    expect(runRules(plan)).toEqual([]);
    expect(plan.servers[0]!.access.find((a) => a.tier === "dcr")!.scopes).toContain("notes:pages:delete");
  });

  it("warns that every user may hold the sensitive scopes when the plan declares no groups, naming them, and never for a plan whose only sensitive scopes are an agent's", () => {
    const rule = ruleById("sensitive-scopes-need-groups")!;
    const { groups: _g, ...noGroups } = base();
    const found = rule.check(compile(noGroups));
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe("warning");
    expect(found[0]!.target).toEqual({ kind: "server", name: "notes" });
    expect(found[0]!.message).toContain("'notes:pages:delete'");
    // Groups declared (any): which users hold what is the groups' decision.
    expect(rule.check(compile(base()))).toEqual([]);
    // Only routine scopes for users: nothing to warn about.
    const routineOnly = { ...noGroups, tiers: { ...noGroups.tiers, verified: { ...noGroups.tiers.verified!, maxSensitivity: "routine" as const } } };
    expect(rule.check(compile(routineOnly))).toEqual([]);
  });

  it("flags a public tier that gets refresh tokens without rotation", () => {
    const d = base();
    d.tiers.verified = { ...d.tiers.verified!, tokens: { refreshToken: { rotation: false } } };
    expect(runRules(compile(d)).map((f) => [f.ruleId, f.target.name])).toEqual([["refresh-token-policy", "verified"]]);
  });

  it("flags a server that carries a lifetime above its bound in a hand-edited plan, and not the tiers that inherit the global one", () => {
    const plan = compile(base());
    plan.servers[0]!.accessTokenMinutes.critical = 10;
    expect(runRules(plan).map((f) => [f.ruleId, f.target.kind, f.target.name])).toEqual([["access-token-lifetime", "server", "notes"]]);
  });

  it("flags high scopes requested at install as optional, not just mandatory", () => {
    const d = base();
    d.servers = [{ ...d.servers[0]!, consent: { optional: ["notes:pages:delete"] } }];
    expect(runRules(compile(d)).map((f) => f.message)).toEqual([
      "Server 'notes' lists high scope 'notes:pages:delete' as optional, so it is requested at install instead of on first use.",
    ]);
  });

  it("counts a scope implied by a used scope as used", () => {
    const d = base();
    d.servers = [{ ...d.servers[0]!, tools: { edit_page: { scopes: ["notes:pages:write"] }, delete_page: { scopes: ["notes:pages:delete"] } } }];
    expect(runRules(compile(d), { only: ["no-unused-scopes"] })).toEqual([]);
  });
});

describe("runRules", () => {
  it("orders findings by rule id, then target, then message", async () => {
    const d = base();
    d.scopes["notes:pages:all"] = { description: "All", sensitivity: "routine" };
    d.scopes["notes:pages:export"] = { description: "Export", sensitivity: "routine" };
    d.scopes["notes:a:export"] = { description: "Export", sensitivity: "routine" };
    const findings = runRules(compile(d));
    expect(findings.map((f) => `${f.ruleId} ${f.target.name}`)).toEqual([
      "no-omnibus-scopes notes:pages:all",
      "no-unused-scopes notes:a:export",
      "no-unused-scopes notes:pages:all",
      "no-unused-scopes notes:pages:export",
      "sensitive-verbs-not-routine notes:a:export",
      "sensitive-verbs-not-routine notes:pages:export",
    ]);
    expect(summarizeFindings(findings)).toEqual({ errors: 3, warnings: 3 });
  });

  it("runs only the selected rules and rejects an unknown id", () => {
    const d = base();
    d.scopes["notes:pages:all"] = { description: "All", sensitivity: "routine" };
    expect(runRules(compile(d), { only: ["no-unused-scopes"] }).map((f) => f.ruleId)).toEqual(["no-unused-scopes"]);
    expect(() => runRules(compile(d), { only: ["no-such-rule"] })).toThrow(/Unknown rule id no-such-rule; known rules: access-token-lifetime/);
  });

  it("is pure: running twice gives equal findings and leaves the plan unchanged", () => {
    const plan = compile(crm);
    const before = JSON.stringify(plan);
    expect(runRules(plan)).toEqual(runRules(plan));
    expect(JSON.stringify(plan)).toBe(before);
  });
});
