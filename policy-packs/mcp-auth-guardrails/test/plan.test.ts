import { describe, expect, it } from "vitest";
import { compile } from "../../../components/plan/compile.js";
import { rules, runRules } from "../../../components/rules/index.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { planPolicies, planPolicy } from "../src/plan/planPolicies.js";
import { violations } from "./harness.js";

const broken = () => {
  const d = structuredClone(crm) as any;
  d.scopes["crm:customers:export"].sensitivity = "routine";
  return d;
};
const component = (plan: unknown, type = "pulumi-mcp-auth:auth0:McpAuth") => ({ type, name: "crm", props: { plan } });

describe("plan policies", () => {
  it("exist once per guardrail rule, named by the rule id, errors mandatory and warnings advisory, plus the derivation check", () => {
    expect(planPolicies.map((p) => p.name)).toEqual([...rules.map((r) => r.id), "plan-derived-fields-consistent", "no-observe-mode-in-production"]);
    for (const r of rules) {
      expect(planPolicies.find((p) => p.name === r.id)!.enforcementLevel).toBe(r.severity === "error" ? "mandatory" : "advisory");
    }
  });

  it("report the same messages as `pulumi-mcp-auth check` for a component's plan", async () => {
    const plan = compile(broken());
    const expected = runRules(plan, { only: ["sensitive-verbs-not-routine"] }).map((f) => `${f.message} Fix: ${f.fix}`);
    expect(expected.length).toBe(1);
    const policy = planPolicies.find((p) => p.name === "sensitive-verbs-not-routine")!;
    expect(await violations(policy, component(plan))).toEqual(expected);
  });

  it("read a plan registered as JSON text too", async () => {
    const plan = compile(broken());
    const policy = planPolicies.find((p) => p.name === "sensitive-verbs-not-routine")!;
    expect(await violations(policy, component(JSON.stringify(plan)))).toHaveLength(1);
  });

  it("fail closed on a component whose plan cannot be read", async () => {
    const policy = planPolicy(rules[0]!);
    expect(await violations(policy, component("{not json"))).toEqual([
      "The pulumi-mcp-auth:auth0:McpAuth component 'crm' cannot be checked: its plan is not valid JSON. Rebuild it with the current pulumi-mcp-auth.",
    ]);
    const [message] = await violations(policy, component({ ...compile(crm), planVersion: 99 }));
    expect(message).toBe(
      "The pulumi-mcp-auth:auth0:McpAuth component 'crm' cannot be checked: its plan is not a version-1 pulumi-mcp-auth plan (1 problem, first at 'planVersion'). Rebuild it with the current pulumi-mcp-auth.",
    );
  });

  it("fail closed on an IdP component of the toolkit that carries no plan input, and skip components that need none", async () => {
    for (const policy of planPolicies) {
      for (const type of ["pulumi-mcp-auth:okta:McpAuth", "pulumi-mcp-auth:auth0:McpAuthAuth0", "pulumi-mcp-auth:entra:McpAuth"]) {
        expect(await violations(policy, { type, name: "crm", props: {} }), `${policy.name} ${type}`).toEqual([
          `The ${type} component 'crm' cannot be checked: it carries no plan input. Create it with the current pulumi-mcp-auth, which registers the compiled plan as its 'plan' input.`,
        ]);
      }
      expect(await violations(policy, { type: "pulumi-mcp-auth:okta:McpServer", name: "crm", props: {} })).toEqual([]);
    }
  });

  it("ignore resources that are not the toolkit's components", async () => {
    const policy = planPolicies.find((p) => p.name === "sensitive-verbs-not-routine")!;
    expect(await violations(policy, component(compile(broken()), "okta:auth/server:Server"))).toEqual([]);
  });

  it("take the sprawl limit from the policy config", async () => {
    const policy = planPolicies.find((p) => p.name === "scope-sprawl")!;
    const plan = compile(crm);
    expect(await violations(policy, component(plan))).toEqual([]);
    expect((await violations(policy, component(plan), { sprawlLimit: 1 })).length).toBeGreaterThan(0);
  });
});

describe("plan policy thresholds from the policy config", () => {
  const plan = compile(crm);
  it("tighten the access-token bounds: 30-minute routine tokens flag the CRM's 60-minute ones", async () => {
    const policy = planPolicies.find((p) => p.name === "access-token-lifetime")!;
    expect(await violations(policy, component(plan))).toEqual([]);
    const v = await violations(policy, component(plan), { maxAccessTokenMinutes: { routine: 30 } });
    expect(v).toContain("The global token policy gives routine access tokens 60 minutes, above the 30-minute bound. Fix: Set tokens.accessTokenMinutes.routine to at most 30.");
  });

  it("never loosen the built-in bounds", async () => {
    const plan = compile(crm);
    plan.sensitivities.find((s) => s.level === "high")!.accessTokenMinutes = 30;
    const policy = planPolicies.find((p) => p.name === "access-token-lifetime")!;
    expect((await violations(policy, component(plan), { maxAccessTokenMinutes: { high: 60 } })).length).toBeGreaterThan(0);
  });

  it("tighten the refresh-token bound", async () => {
    const policy = planPolicies.find((p) => p.name === "refresh-token-policy")!;
    expect(await violations(policy, component(plan))).toEqual([]);
    expect(await violations(policy, component(plan), { maxRefreshTokenDays: 14 })).toEqual([
      "Servers 'crm' and 'crm-admin' and tiers 'cimd' and 'verified' let refresh tokens live 30 days, above the 14-day bound. Fix: Set tokens.refreshToken.lifetimeDays to at most 14 (globally, or where each of them sets its own).",
    ]);
  });
});

describe("the plan derivation policy", () => {
  const policy = planPolicies.find((p) => p.name === "plan-derived-fields-consistent")!;

  it("is mandatory and passes every plan compile() produced", async () => {
    expect(policy.enforcementLevel).toBe("mandatory");
    expect(await violations(policy, component(compile(crm)))).toEqual([]);
    expect(await violations(policy, component(JSON.stringify(compile(crm))))).toEqual([]);
  });

  it("blocks a hand-edited plan.json that gives the DCR tier an export scope, which the rules alone let through", async () => {
    const plan = JSON.parse(JSON.stringify(compile(crm)));
    const dcr = plan.servers.find((s: any) => s.name === "crm").access.find((a: any) => a.tier === "dcr");
    dcr.scopes = [...dcr.scopes, "crm:customers:export"].sort();
    const ruleViolations = await Promise.all(planPolicies.filter((p) => p !== policy && p.enforcementLevel === "mandatory").map((p) => violations(p, component(JSON.stringify(plan)))));
    expect(ruleViolations.flat()).toEqual([]);
    expect(await violations(policy, component(JSON.stringify(plan)))).toEqual([
      `The pulumi-mcp-auth:auth0:McpAuth component 'crm' carries a plan that compile() would not produce: servers[crm].access[dcr].scopes has "crm:customers:export", unlike what its declared part derives. Fix: Regenerate the plan from its declaration (pulumi-mcp-auth plan, or pass the declaration to the component) instead of editing it by hand.`,
    ]);
  });
});

describe("observe mode in production", () => {
  const observing = () => {
    const d = structuredClone(crm) as any;
    d.servers.find((s: { name: string }) => s.name === "crm").enforcement = "observe";
    return compile(d);
  };
  const policy = planPolicies.find((p) => p.name === "no-observe-mode-in-production")!;

  it("blocks a server in observe mode on a stack named like production", async () => {
    const [message] = await violations(policy, component(observing()), { productionStacks: ["^test$"] });
    expect(message).toBe(
      `Stack 'test' is a production stack, and server 'crm' of 'crm' runs in observe mode: the edge forwards what the policy refuses. Fix: Remove enforcement: "observe" (or set "enforce") before deploying to production.`,
    );
  });

  it("lets observe mode through on other stacks, and enforcing plans everywhere", async () => {
    expect(await violations(policy, component(observing()))).toEqual([]);
    expect(await violations(policy, component(compile(crm)), { productionStacks: ["^test$"] })).toEqual([]);
  });

  it("recognises prod and production stack names by default", async () => {
    const { DEFAULT_PRODUCTION_STACKS, stackOfUrn } = await import("../src/plan/planPolicies.js");
    const prod = (name: string) => DEFAULT_PRODUCTION_STACKS.some((p) => new RegExp(p, "i").test(name));
    expect(["prod", "production", "eu-prod", "prod.us", "Production"].every(prod)).toBe(true);
    expect(["dev", "staging", "product-demo", "preprod"].some(prod)).toBe(false);
    expect(stackOfUrn("urn:pulumi:eu-prod::platform::pulumi-mcp-auth:okta:McpAuth::crm")).toBe("eu-prod");
  });
});
