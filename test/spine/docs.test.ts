import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../components/rules/index.js";
import { renderRuleTable } from "../../components/rules/catalogue.js";
import { ROOT } from "./helpers.js";
import { OMNIBUS_NAMES, OMNIBUS_VERBS } from "../../components/rules/omnibus.js";
import { SENSITIVE_VERB_WORDS } from "../../components/rules/sensitive-verbs-not-routine.js";

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

  it("lists every omnibus name and sensitive verb word the rules use", () => {
    const text = readFileSync(path.join(ROOT, "docs/rules.md"), "utf8");
    const omnibus = text.slice(text.indexOf("**Omnibus names"), text.indexOf("**Sensitive verbs"));
    const verbs = text.slice(text.indexOf("**Sensitive verbs"), text.indexOf("## Using the rules"));
    for (const name of [...OMNIBUS_NAMES, ...OMNIBUS_VERBS]) expect(omnibus, name).toContain(`\`${name}\``);
    for (const word of SENSITIVE_VERB_WORDS) expect(verbs, word).toMatch(new RegExp(`\\b${word}\\b`));
  });
});
