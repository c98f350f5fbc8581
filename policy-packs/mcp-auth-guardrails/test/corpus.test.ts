import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Policy } from "@pulumi/policy";
import { compile } from "../../../components/plan/compile.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { policies } from "../src/policies.js";
import type { CorpusCase } from "./corpus/_case.js";
import { violations, type FakeResource } from "./harness.js";

const dir = new URL("./corpus/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.startsWith("_")).sort();

/** Registers a declaration the way the toolkit's components do: the compiled plan as the `plan` input. */
const asComponent = (declaration: unknown): FakeResource => ({ type: "pulumi-mcp-auth:okta:McpAuth", name: "crm", props: { plan: compile(declaration) } });

async function violationsByPolicy(resources: readonly FakeResource[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of policies as Policy[]) {
    const v = await violations(p, resources);
    if (v.length > 0) out.set(p.name, v);
  }
  return out;
}

describe("the bad-configuration corpus", () => {
  it("holds at least 20 configurations, raw resources and declarations both", async () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const cases = await Promise.all(files.map(async (f) => ((await import(new URL(f, dir).href)) as { default: CorpusCase }).default));
    expect(cases.some((c) => c.declaration)).toBe(true);
    expect(cases.some((c) => c.resources)).toBe(true);
  });

  it.each(files)("%s is blocked by its intended mandatory policy", async (file) => {
    const c = ((await import(new URL(file, dir).href)) as { default: CorpusCase }).default;
    const resources = c.declaration ? [asComponent(c.declaration)] : (c.resources ?? []);
    const byPolicy = await violationsByPolicy(resources);
    expect([...byPolicy.keys()]).toContain(c.blockedBy);
    const policy = (policies as Policy[]).find((p) => p.name === c.blockedBy)!;
    expect(policy.enforcementLevel).toBe("mandatory");
  });
});

describe("the CRM example", () => {
  it("compiled into a component produces no mandatory violation", async () => {
    const byPolicy = await violationsByPolicy([asComponent(crm)]);
    const mandatory = [...byPolicy.entries()].filter(([name]) => (policies as Policy[]).find((p) => p.name === name)!.enforcementLevel === "mandatory");
    expect(mandatory).toEqual([]);
  });
});
