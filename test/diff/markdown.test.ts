import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { diffPlans } from "../../components/diff/diff.js";
import { DIFF_COMMENT_MARKER, escapeCell, renderDiffMarkdown } from "../../components/diff/markdown.js";
import { renderDiffJson } from "../../components/diff/json.js";
import { crmDeclaration, server } from "./fixtures/cases.js";

function diffWithNewTools(n: number, description = "A tool") {
  const before = crmDeclaration();
  const after = structuredClone(before);
  for (let i = 0; i < n; i++) server(after, "crm").tools[`tool_${String(i).padStart(3, "0")}`] = { scopes: ["crm:customers:read"], description };
  return diffPlans(compile(before), compile(after));
}

describe("renderDiffMarkdown", () => {
  it("starts with the hidden marker the workflow finds its comment by, then the risk line", () => {
    const md = renderDiffMarkdown(diffWithNewTools(1));
    const lines = md.split("\n");
    expect(lines[0]).toBe(DIFF_COMMENT_MARKER);
    expect(lines[3]).toMatch(/^🟡 \*\*Risk: moderate\. 1 escalation, /);
  });

  it("escapes HTML, links, pipes and line breaks from declarations so they cannot reshape the comment", () => {
    expect(escapeCell("<!-- x --> [a](https://t.example) | b\nc")).toBe("&lt;\\!-- x --&gt; \\[a\\](https://t.example) \\| b c");
    const before = crmDeclaration();
    const after = structuredClone(before);
    after.scopes["crm:deals:close"] = { description: "Close </details> | <img src=x> deals", sensitivity: "routine" };
    after.scopes["crm:deals:wipe"] = { description: "Wipe </details> | <img src=x>", sensitivity: "routine" };
    server(after, "crm").tools["wipe_deals"] = { scopes: ["crm:deals:wipe"] };
    const md = renderDiffMarkdown(diffPlans(compile(before), compile(after)));
    // Inside code spans (before/after values) HTML is shown as text; everywhere else it is escaped.
    const outsideCode = md.replace(/`[^`\n]*`/g, "");
    expect(outsideCode).not.toContain("<img");
    expect(outsideCode).not.toContain("</details> |");
    expect(md).toContain("`Close </details> \\| <img src=x> deals`");
    // In a summary sentence (a new scope quotes its description) it is escaped.
    expect(md).toContain("New routine scope \"Wipe &lt;/details&gt; \\| &lt;img src=x&gt;\".");
  });

  it("shows ten rows per table and folds the rest into <details>", () => {
    const md = renderDiffMarkdown(diffWithNewTools(15));
    const escalations = md.slice(md.indexOf("### ⚠️ Escalations (15)"), md.indexOf("### 🔓"));
    const beforeFold = escalations.slice(0, escalations.indexOf("<details>"));
    expect(beforeFold.split("\n").filter((l) => l.startsWith("| New operation")).length).toBe(10);
    expect(escalations).toContain("<details><summary>5 more</summary>");
  });

  it("keeps the comment under the maximum length by cutting tables and pointing at the JSON report", () => {
    const d = diffWithNewTools(400, "x".repeat(80));
    const md = renderDiffMarkdown(d, { maxLength: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/_…and \d+ more rows; see the JSON report/);
    // The summary still counts everything.
    expect(md).toContain("400 escalations");
  });

  it("renders re-runs byte for byte the same", () => {
    expect(renderDiffMarkdown(diffWithNewTools(12))).toBe(renderDiffMarkdown(diffWithNewTools(12)));
    expect(renderDiffJson(diffWithNewTools(12))).toBe(renderDiffJson(diffWithNewTools(12)));
  });
});

describe("renderDiffJson", () => {
  it("carries a format version and the whole diff", () => {
    const d = diffWithNewTools(2);
    const json = JSON.parse(renderDiffJson(d)) as Record<string, unknown>;
    expect(json["diffFormatVersion"]).toBe(1);
    expect(json["changes"]).toEqual(JSON.parse(JSON.stringify(d.changes)));
    expect(Object.keys(json)).toEqual(["diffFormatVersion", "base", "head", "risk", "summary", "counts", "changes", "reach", "semanticChanges"]);
  });
});
