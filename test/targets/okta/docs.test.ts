import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderCapabilityTable } from "../../../components/targets/capabilities.js";
import { OKTA_CAPABILITIES } from "../../../components/targets/okta/capabilities.js";

describe("docs/okta.md", () => {
  it("shows the capability table generated from OKTA_CAPABILITIES", () => {
    const doc = readFileSync(new URL("../../../docs/okta.md", import.meta.url), "utf8");
    const block = /<!-- okta-capabilities:begin -->\n([\s\S]*?)\n<!-- okta-capabilities:end -->/.exec(doc)?.[1];
    expect(block).toBe(renderCapabilityTable([{ target: "okta", items: OKTA_CAPABILITIES }]));
  });

  it("gives every capability a unique id and a sentence saying how", () => {
    const ids = OKTA_CAPABILITIES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(OKTA_CAPABILITIES.every((c) => c.how.endsWith("."))).toBe(true);
  });
});
