import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { runRules } from "../../components/rules/index.js";
import crm from "../../stacks/crm/mcp-auth.js";

const withGuardrails = (guardrails: object) => ({ ...structuredClone(crm), guardrails });

describe("organisation guardrail thresholds in the declaration", () => {
  it("tighten the access-token bound for a level", () => {
    const findings = runRules(compile(withGuardrails({ maxAccessTokenMinutes: { high: 10 } })), { only: ["access-token-lifetime"] });
    expect(findings.map((f) => f.message)).toContain("The global token policy gives high access tokens 15 minutes, above the 10-minute bound.");
  });

  it("cannot loosen a built-in bound", () => {
    const d = withGuardrails({ maxAccessTokenMinutes: { routine: 240 } }) as any;
    d.tokens.accessTokenMinutes.routine = 120;
    const findings = runRules(compile(d), { only: ["access-token-lifetime"] });
    expect(findings.map((f) => f.message)).toContain("The global token policy gives routine access tokens 120 minutes, above the 60-minute bound.");
  });

  it("tighten the refresh-token bound and are carried in the plan", () => {
    const plan = compile(withGuardrails({ maxRefreshTokenDays: 7 }));
    expect(plan.guardrails).toEqual({ sprawlLimit: 8, maxRefreshTokenDays: 7 });
    expect(runRules(plan, { only: ["refresh-token-policy"] }).map((f) => f.target.name)).toEqual(["crm", "crm-admin", "cimd", "verified"]);
  });
});
