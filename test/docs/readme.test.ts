import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderCapabilityTable } from "../../components/targets/capabilities.js";
import { AUTH0_CAPABILITIES } from "../../components/targets/auth0/capabilities.js";
import { ENTRA_CAPABILITIES } from "../../components/targets/entra/capabilities.js";
import { OKTA_CAPABILITIES } from "../../components/targets/okta/capabilities.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const README = path.join(ROOT, "README.md");
const START = "<!-- capabilities:start -->";
const END = "<!-- capabilities:end -->";

/** The README's capability table, generated from the targets' reports (UPDATE_DOCS=1 rewrites it). */
function capabilityTable(): string {
  return renderCapabilityTable(
    [
      { target: "okta", items: OKTA_CAPABILITIES },
      AUTH0_CAPABILITIES,
      { target: "entra", items: ENTRA_CAPABILITIES },
    ],
    { detail: false },
  );
}

describe("the README", () => {
  it("opens with exactly the two set-up commands: run the local stack, run the tests", () => {
    const text = readFileSync(README, "utf8");
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(text)!;
    expect(firstBlock.index).toBeLessThan(40);
    const commands = firstBlock[1]!.trim().split("\n").map((l) => l.replace(/\s+#.*$/, "").trim());
    expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain("dev");
    expect(pkg.scripts.test).toContain("vitest run");
    expect(readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toMatch(/^npm ci\b.*\n(?:.*\n)*npm test$/m);
  });

  it("shows the capability table generated from the Okta, Auth0 and Entra reports", () => {
    let text = readFileSync(README, "utf8");
    const table = capabilityTable();
    const block = `${START}\n${table}\n${END}`;
    const current = text.slice(text.indexOf(START), text.indexOf(END) + END.length);
    if (process.env.UPDATE_DOCS && current !== block) {
      text = text.replace(current, block);
      writeFileSync(README, text);
    }
    expect(text).toContain(block);
    for (const label of ["native", "edge enforces", "not supported"]) expect(table).toContain(label);
  });
});
