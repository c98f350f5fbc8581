import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { rules } from "../../components/rules/index.js";
import { runCli } from "../support/cli.js";
import { ROOT } from "./helpers.js";

/**
 * The README's "Declare" example is the first declaration a user copies. It must pass `check` with no
 * error (exit 0) and compile to what its comments and the paragraph below it say: a routine read
 * consented at install with 60-minute tokens, a high export that is step-up only with 15-minute
 * tokens, and a DCR tier capped below the export.
 */

const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
const declare = readme.slice(readme.indexOf("\n## Declare\n"));
const source = /```ts\n([\s\S]*?)```/.exec(declare)![1]!;
const dir = mkdtempSync(path.join(os.tmpdir(), "readme-declare-"));
const file = path.join(dir, "mcp-auth.ts");
// The example imports the installed package; here its entry point is the repository's source.
writeFileSync(file, source.replace(/from "pulumi-mcp-auth"/, `from ${JSON.stringify(pathToFileURL(path.join(ROOT, "components/index.ts")).href)}`));
writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README's Declare example", () => {
  it("passes check with no error finding (exit 0), running every rule", async () => {
    expect(source).toContain('from "pulumi-mcp-auth"');
    const r = await runCli(["check", "mcp-auth.ts"], { cwd: dir });
    expect(r.stderr + r.stdout).toContain(`${rules.length} rules): 0 errors`);
    expect(r.code).toBe(0);
  });

  it("compiles to routine reads at install with 60-minute tokens and a step-up export with 15-minute tokens", async () => {
    const decl = ((await import(pathToFileURL(file).href)) as { default: Parameters<typeof compile>[0] }).default;
    const plan = compile(decl);
    const crm = plan.servers.find((s) => s.name === "crm")!;
    expect(crm.resource).toBe("https://mcp.example.com/crm");
    expect(crm.consent.mandatory).toEqual(["crm:customers:read"]);
    expect(crm.consent.stepUp).toEqual(["crm:customers:export"]);
    expect(crm.accessTokenMinutes).toMatchObject({ routine: 60, high: 15 });
    // The DCR tier is capped at routine: it may hold the read, never the export.
    expect(crm.access.find((a) => a.tier === "dcr")!.scopes).toEqual(["crm:customers:read"]);
    expect(crm.access.find((a) => a.tier === "verified")!.scopes).toEqual(["crm:customers:export", "crm:customers:read"]);
  });
});
