import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";
import { diffPlans } from "../../components/diff/diff.js";
import { renderDiffJson } from "../../components/diff/json.js";
import { renderDiffMarkdown } from "../../components/diff/markdown.js";
import { CHANGE_CATEGORIES, CHANGE_KINDS, type PlanDiff } from "../../components/diff/types.js";
import { CASES, crmDeclaration, type DiffCase } from "./fixtures/cases.js";

/**
 * Golden tests: each before/after pair in fixtures/cases.ts is diffed and rendered; the Markdown and
 * JSON must match test/diff/golden/<case>.{md,json} byte for byte. After an intended change, run
 *   UPDATE_GOLDEN=1 npx vitest run test/diff
 * and review the golden files in the pull request like any other code.
 */
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

function plans(c: DiffCase): [McpAuthPlan, McpAuthPlan] {
  const before = crmDeclaration();
  c.before?.(before);
  const after = structuredClone(before);
  c.after(after);
  return [compile(before), compile(after)];
}

function diffOf(c: DiffCase): PlanDiff {
  const [base, head] = plans(c);
  return diffPlans(base, head, { base: `${c.name}/before`, head: `${c.name}/after` });
}

function golden(file: string, actual: string): void {
  const p = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(p, actual);
    return;
  }
  if (!existsSync(p)) throw new Error(`missing golden file ${file}; run UPDATE_GOLDEN=1 npx vitest run test/diff and review it`);
  expect(actual, `${file} differs from the golden file; if intended, run UPDATE_GOLDEN=1 npx vitest run test/diff`).toBe(readFileSync(p, "utf8"));
}

/** Reverses every array of a plan: the diff must not depend on input order. */
function reversed(plan: McpAuthPlan): McpAuthPlan {
  const rev = (v: unknown): unknown => (Array.isArray(v) ? v.map(rev).reverse() : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rev(x)])) : v);
  return rev(plan) as McpAuthPlan;
}

describe("diff golden files", () => {
  for (const c of CASES) {
    it(`renders the ${c.name} pair as the golden Markdown and JSON`, () => {
      const d = diffOf(c);
      golden(`${c.name}.md`, renderDiffMarkdown(d));
      golden(`${c.name}.json`, renderDiffJson(d));
    });
  }

  it("covers every change kind and category across the fixture pairs", () => {
    const seen = new Set(CASES.flatMap((c) => diffOf(c).changes.map((x) => `${x.kind}`)));
    expect(CHANGE_KINDS.filter((k) => !seen.has(k))).toEqual([]);
    const categories = new Set(CASES.flatMap((c) => diffOf(c).changes.map((x) => x.category)));
    expect([...categories].sort()).toEqual([...CHANGE_CATEGORIES].sort());
  });

  it("classifies every operation a tier newly reaches as part of an escalation, in every fixture pair", () => {
    for (const c of CASES) {
      const d = diffOf(c);
      const escalations = d.changes.filter((x) => x.category === "escalation");
      for (const r of d.reach.added.filter((x) => x.principal.type === "tier")) {
        const covered = escalations.some((e) => e.servers.includes(r.server) && (e.tiers.includes(r.principal.name) || e.tools.includes(`${r.server}/${r.operation}`)));
        expect(covered, `${c.name}: tier ${r.principal.name} newly reaches ${r.server}/${r.operation}`).toBe(true);
      }
    }
  });

  it("gives byte-identical output whatever the order of the plans' arrays", () => {
    for (const c of CASES) {
      const [base, head] = plans(c);
      const labels = { base: "b", head: "h" };
      const straight = diffPlans(base, head, labels);
      const shuffled = diffPlans(reversed(base), reversed(head), labels);
      expect(renderDiffJson(shuffled), c.name).toBe(renderDiffJson(straight));
      expect(renderDiffMarkdown(shuffled), c.name).toBe(renderDiffMarkdown(straight));
    }
  });
});
