import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../components/rules/index.js";
import { renderRuleTable } from "../../components/rules/catalogue.js";
import { ROOT } from "./helpers.js";

const BEGIN = "<!-- rules:begin (generated from components/rules; UPDATE_DOCS=1 npx vitest run test/spine/docs.test.ts) -->";
const END = "<!-- rules:end -->";

describe("docs/rules.md", () => {
  it("lists exactly the rules in the code, with their severity, description, fix and reference", () => {
    const file = path.join(ROOT, "docs/rules.md");
    const text = readFileSync(file, "utf8");
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, `docs/rules.md must contain ${BEGIN}`).toBeGreaterThanOrEqual(0);
    const table = renderRuleTable(rules);
    const current = text.slice(start + BEGIN.length, end).trim();
    if (process.env.UPDATE_DOCS === "1" && current !== table) {
      writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${table}\n${text.slice(end)}`);
      return;
    }
    expect(current, "docs/rules.md is out of date: run UPDATE_DOCS=1 npx vitest run test/spine/docs.test.ts").toBe(table);
  });
});
