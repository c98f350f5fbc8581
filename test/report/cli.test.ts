import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, serializePlan } from "../../components/index.js";
import { crmDeclaration } from "../diff/fixtures/cases.js";
import { runCli } from "../support/cli.js";

let dir: string;
const run = (args: string[]) => runCli(args, { cwd: dir });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-auth-report-"));
  await writeFile(path.join(dir, "plan.json"), serializePlan(compile(crmDeclaration())));
  const routineOnly = crmDeclaration();
  routineOnly.servers = routineOnly.servers.filter((s) => s.name === "crm");
  await writeFile(path.join(dir, "routine.json"), serializePlan(compile(routineOnly)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("pulumi-mcp-auth report", () => {
  it("writes Markdown with the taxonomy, the holdings and the five SOC 2 controls", async () => {
    const r = await run(["report", "plan.json", "--idp", "okta"]);
    expect(r.code).toBe(0);
    for (const heading of ["## Scope taxonomy", "## Who can hold what", "## Lifetimes, consent and revocation per sensitivity", "## What each target enforces", "### CC6.1", "### CC6.2", "### CC6.3", "### CC7.2", "### CC7.3"]) {
      expect(r.stdout).toContain(heading);
    }
    expect(r.stdout).toContain("| policy | okta | aws |");
  });

  it("exits 1 with --fail-on gap when a statement is a gap, and 0 without it", async () => {
    expect((await run(["report", "plan.json", "--idp", "okta", "--fail-on", "gap"])).code).toBe(1);
    expect((await run(["report", "plan.json", "--idp", "okta"])).code).toBe(0);
  });

  it("writes JSON to --out and says how many gaps it found", async () => {
    const r = await run(["report", "plan.json", "--idp", "entra", "--format", "json", "--out", "out/report.json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Wrote out\/report\.json: 5 controls, \d+ gaps?\n$/);
    const doc = JSON.parse(await readFile(path.join(dir, "out/report.json"), "utf8")) as { version: number; controls: Array<{ id: string }> };
    expect(doc.version).toBe(1);
    expect(doc.controls.map((c) => c.id)).toEqual(["CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3"]);
  });

  it("takes capability reports from a stack output file instead of the baseline", async () => {
    await writeFile(path.join(dir, "caps.json"), JSON.stringify({ target: "okta", items: [{ id: "reconsent-cadence", policy: "Re-consent cadence", support: "native", how: "test tenant" }] }));
    const r = await run(["report", "plan.json", "--capabilities", "caps.json", "--edge", "none", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { enforcement: Array<{ id: string; targets: Record<string, unknown> }> };
    expect(doc.enforcement).toEqual([{ id: "reconsent-cadence", policy: "Re-consent cadence", targets: { okta: { support: "native", how: "test tenant" } } }]);
  });

  it("refuses to guess the IdP and names the flag", async () => {
    const r = await run(["report", "plan.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--idp okta|auth0|entra");
  });

  it("names the field when a capability file is not a capability report", async () => {
    await writeFile(path.join(dir, "bad.json"), JSON.stringify({ target: "okta", items: [{ id: "x", support: "sometimes" }] }));
    const r = await run(["report", "plan.json", "--capabilities", "bad.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--capabilities 'bad\.json' is not a capability report: items\.0\.policy/);
  });

  it("says when the audit export does not exist", async () => {
    const r = await run(["report", "plan.json", "--idp", "okta", "--audit", "missing.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--audit 'missing.jsonl': no such file");
  });
});
