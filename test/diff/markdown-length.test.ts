import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { diffPlans } from "../../components/diff/diff.js";
import { renderDiffMarkdown } from "../../components/diff/markdown.js";
import { renderDiffJson } from "../../components/diff/json.js";
import { crmDeclaration, server } from "./fixtures/cases.js";

/**
 * docs/diff.md: the PR comment "is kept under 60,000 characters" (GitHub rejects comments over
 * 65,536). Declaration texts are unbounded, so one description longer than the limit must not
 * push the comment over it; the JSON report keeps the whole text.
 */
describe("renderDiffMarkdown with very long declaration texts", () => {
  it("keeps the comment under 60,000 characters even when one declaration text is longer than that", () => {
    const before = crmDeclaration();
    const after = structuredClone(before);
    const long = "A description that never ends. ".repeat(4_000); // 128,000 characters
    after.scopes["crm:deals:wipe"] = { description: long, sensitivity: "high" };
    server(after, "crm").tools["wipe_deals"] = { scopes: ["crm:deals:wipe"], description: long };
    const diff = diffPlans(compile(before), compile(after));
    const md = renderDiffMarkdown(diff);
    expect(md.length).toBeLessThan(60_000);
    expect(md).toContain("A description that never ends.");
    // The escalation is still there, and the JSON report carries the text whole.
    expect(md).toContain("New scope");
    expect(renderDiffJson(diff)).toContain(JSON.stringify(long.trimEnd()).slice(1, -1));
  });
});
