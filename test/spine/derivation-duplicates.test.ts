import { describe, expect, it } from "vitest";
import { compile } from "../../components/index.js";
import { planDerivationProblems } from "../../components/plan/derivation.js";
import { McpAuthPlanSchema } from "../../components/plan/schema.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { runCli } from "../support/cli.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Readers of a plan look entries up by name (`access.find((a) => a.tier === "dcr")`, the first match),
 * so a hand-edited plan.json that lists an entry twice must not pass the re-derivation check just
 * because its last copy is the derived one.
 */
const crmPlan = () => JSON.parse(JSON.stringify(compile(crm)));

describe("re-deriving a plan that lists an entry twice", () => {
  it("refuses a plan.json that puts a second access entry for the DCR tier, with an export scope, before the derived one", () => {
    const plan = crmPlan();
    const server = plan.servers.find((s: any) => s.name === "crm");
    const dcr = server.access.find((a: any) => a.tier === "dcr");
    server.access = [{ ...structuredClone(dcr), scopes: [...dcr.scopes, "crm:customers:export"].sort() }, ...server.access];
    expect(McpAuthPlanSchema.safeParse(plan).success).toBe(true);
    expect(planDerivationProblems(plan)).toContain("servers[crm].access[dcr] is listed 2 times, unlike what its declared part derives");
  });

  it("refuses a plan.json that lists a high scope a second time, as routine, ahead of its declared entry", () => {
    const plan = crmPlan();
    const exp = plan.scopes.find((s: any) => s.name === "crm:customers:export");
    plan.scopes = [{ ...structuredClone(exp), sensitivity: "routine" }, ...plan.scopes];
    expect(planDerivationProblems(plan)).toContain("scopes[crm:customers:export] is listed 2 times, unlike what its declared part derives");
  });

  it("makes check exit 2 on such a plan.json, naming the duplicated entry", async () => {
    const plan = crmPlan();
    const server = plan.servers.find((s: any) => s.name === "crm");
    const dcr = server.access.find((a: any) => a.tier === "dcr");
    server.access = [{ ...structuredClone(dcr), scopes: [...dcr.scopes, "crm:customers:export"].sort() }, ...server.access];
    const dir = mkdtempSync(path.join(os.tmpdir(), "derivation-dup-"));
    try {
      writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan));
      const r = await runCli(["check", "plan.json"], { cwd: dir });
      expect(r.stderr + r.stdout).toContain("servers[crm].access[dcr]");
      expect(r.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("still finds nothing in the plan compile() produced", () => {
    expect(planDerivationProblems(compile(crm))).toEqual([]);
  });
});
