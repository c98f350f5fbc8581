import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { runRules } from "../../components/rules/index.js";
import crm from "../../stacks/crm/mcp-auth.js";

const withGuardrails = (guardrails: object) => ({ ...structuredClone(crm), guardrails });

describe("organisation guardrail thresholds in the declaration", () => {
  it("tighten the access-token bound for a level: compile refuses above it, the rule flags a plan above it", () => {
    expect(() => compile(withGuardrails({ maxAccessTokenMinutes: { high: 10 } }))).toThrow(/tokens\.accessTokenMinutes\.high: 15 minutes is above the 10-minute bound/);
    const plan = compile(crm);
    plan.guardrails.maxAccessTokenMinutes = { high: 10 };
    const findings = runRules(plan, { only: ["access-token-lifetime"] });
    expect(findings.map((f) => f.message)).toEqual(["The global token policy gives high access tokens 15 minutes, above the 10-minute bound."]);
  });

  it("cannot loosen a built-in bound", () => {
    const plan = compile(withGuardrails({ maxAccessTokenMinutes: { routine: 240 } }));
    plan.sensitivities[0]!.accessTokenMinutes = 120;
    const findings = runRules(plan, { only: ["access-token-lifetime"] });
    expect(findings.map((f) => f.message)).toContain("The global token policy gives routine access tokens 120 minutes, above the 60-minute bound.");
  });

  it("tighten the refresh-token bound and are carried in the plan", () => {
    const plan = compile(withGuardrails({ maxRefreshTokenDays: 30 }));
    expect(plan.guardrails).toEqual({ sprawlLimit: 8, maxRefreshTokenDays: 30 });
    plan.guardrails.maxRefreshTokenDays = 7;
    expect(runRules(plan, { only: ["refresh-token-policy"] }).map((f) => f.target.name)).toEqual(["crm"]);
  });
});
