import { describe, expect, it } from "vitest";
import { compile } from "../../components/index.js";
import { planDerivationProblems } from "../../components/plan/derivation.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { base } from "../fixtures/declarations/_base.js";
import { FIXTURES, ruleFixtureIds } from "./helpers.js";
import path from "node:path";
import { pathToFileURL } from "node:url";

describe("re-deriving a plan from its declared part", () => {
  it("finds nothing in plans compile() produced: the CRM example, the fixture base and every compilable rule fixture", async () => {
    expect(planDerivationProblems(compile(crm))).toEqual([]);
    expect(planDerivationProblems(compile(base()))).toEqual([]);
    for (const id of ruleFixtureIds()) {
      const loaded = ((await import(pathToFileURL(path.join(FIXTURES, `${id}.ts`)).href)) as { default: object }).default;
      if ("planVersion" in loaded) continue;
      expect(planDerivationProblems(compile(loaded)), id).toEqual([]);
    }
  }, 60_000);

  it("refuses a hand-edited plan.json that gives the DCR tier an export scope", () => {
    const plan = JSON.parse(JSON.stringify(compile(crm)));
    const dcr = plan.servers.find((s: any) => s.name === "crm").access.find((a: any) => a.tier === "dcr");
    dcr.scopes = [...dcr.scopes, "crm:customers:export"].sort();
    expect(planDerivationProblems(plan)).toEqual(['servers[crm].access[dcr].scopes has "crm:customers:export", unlike what its declared part derives']);
  });

  it("refuses edited grants, implication closures, lifetimes and rotation", () => {
    const plan = compile(crm);
    plan.scopes.find((s) => s.name === "crm:customers:read")!.grants.push("crm:customers:delete");
    plan.groups.find((g) => g.name === "sales-reps")!.grants.push("crm:settings:write");
    const access = plan.servers.find((s) => s.name === "crm-admin")!.access.find((a) => a.tier === "verified")!;
    access.accessTokenMinutes.critical = 60;
    access.refreshToken.rotation = false;
    expect(planDerivationProblems(plan, 10).map((p) => p.split(" ")[0])).toEqual([
      "scopes[crm:customers:read].grants",
      "servers[crm-admin].access[verified].accessTokenMinutes.critical",
      "servers[crm-admin].access[verified].refreshToken.rotation",
      "groups[sales-reps].grants",
    ]);
  });

  it("refuses a plan whose declared part is itself invalid, naming the problem", () => {
    const plan = compile(crm);
    plan.servers[0]!.allowedOrigins = ["https://*.example.com"];
    expect(planDerivationProblems(plan)).toEqual([
      "servers[0].allowedOrigins[0]: its declared part is not a valid declaration: a wildcard origin never matches an Origin header; list each exact origin (e.g. https://app.example.com)",
    ]);
  });

  it("refuses a dropped immediate revocation for one critical scope while another stays", () => {
    const plan = compile(crm);
    const admin = plan.servers.find((s) => s.name === "crm-admin")!;
    admin.immediateRevocation = admin.immediateRevocation.filter((s) => s !== "crm:billing:write");
    expect(planDerivationProblems(plan).map((p) => p.split(" ")[0])).toEqual(["servers[crm-admin].immediateRevocation"]);
  });
});

describe("re-deriving a plan that went through Pulumi's engine", () => {
  it("ignores object key order and names an edited operation by kind and name", () => {
    const plan = compile(crm);
    const reordered = JSON.parse(JSON.stringify(plan, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    expect(planDerivationProblems(reordered)).toEqual([]);
    const op = reordered.servers.find((s: any) => s.name === "crm").operations.find((o: any) => o.name === "export_customers");
    op.sensitivity = "routine";
    expect(planDerivationProblems(reordered)).toEqual(['servers[crm].operations[tool:export_customers].sensitivity is "routine" where its declared part derives "high"']);
  });
});
