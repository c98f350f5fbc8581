import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, serializePlan } from "../../components/index.js";
import { rules } from "../../components/rules/index.js";
import type { CliIOWithTty } from "../../cli/format.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { base } from "../fixtures/declarations/_base.js";
import { CRM, FIXTURES, ROOT } from "./helpers.js";
import { runCli } from "../support/cli.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: a separate node process on cli/main.ts, TypeScript loaded by tsx. */
function cli(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // The tsx loader by absolute URL, so that it resolves from any working directory.
      ["--import", pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href, path.join(ROOT, "cli/main.ts"), ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs `main` in-process with captured output. */
function inProcess(args: string[], extra: Partial<CliIOWithTty> = {}, commandsDir?: URL): Promise<Run> {
  return runCli(args, { cwd: ROOT, ...extra }, commandsDir);
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pulumi-mcp-auth-cli-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("pulumi-mcp-auth spawned as a user would", () => {
  it("check exits 0 on the CRM example, whose only finding is a warning", async () => {
    const r = await cli(["check", "stacks/crm/mcp-auth.ts"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^server crm-admin\n {2}warning {1,}Server 'crm-admin' declares per-action consent for /);
    expect(r.stdout).toMatch(new RegExp(`\n! stacks/crm/mcp-auth\\.ts: crm \\(2 servers, 17 scopes, 4 tiers; ${rules.length} rules\\): 0 errors, 1 warning\n$`));
  });

  it("check exits 1 on error findings and prints them as stable JSON with --format json", async () => {
    const r = await cli(["check", path.join(FIXTURES, "sensitive-verbs-not-routine.ts"), "--format", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["version", "file", "valid", "plan", "summary", "findings"]);
    expect(doc).toMatchObject({
      version: 1,
      valid: true,
      plan: { name: "notes", planVersion: 1, servers: 1, scopes: 4, tiers: 3 },
      summary: { errors: 1, warnings: 0, rules: rules.length },
      findings: [
        {
          ruleId: "sensitive-verbs-not-routine",
          severity: "error",
          message: "Scope 'notes:pages:export' is routine but its verb 'export' (export) is destructive or exfiltrating.",
          target: { kind: "scope", name: "notes:pages:export" },
        },
      ],
    });
  });

  it("check exits 2 on an invalid declaration and prints every problem with its path", async () => {
    const [text, json] = await Promise.all([
      cli(["check", "test/fixtures/declarations/twenty-mistakes.ts"]),
      cli(["check", "test/fixtures/declarations/twenty-mistakes.ts", "--format", "json"]),
    ]);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe("");
    const lines = text.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("✖ test/fixtures/declarations/twenty-mistakes.ts: the declaration is invalid (20 problems)");
    expect(lines).toHaveLength(21);
    expect(text.stderr).toMatch(/\n {2}servers\[0\]\.tools\.export_customers\.scopes\[0\] +scope 'crm:customers:exprt' is not declared in 'scopes'/);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { valid: boolean; issues: { path: string; message: string }[] };
    expect(doc.valid).toBe(false);
    expect(doc.issues).toHaveLength(20);
    expect(doc.issues.map((i) => i.path)).toContain("tiers.dcr.registration");
  });

  it("plan writes the serialised plan to --out, byte-identical to compile()", async () => {
    const out = path.join(tmp, "nested", "plan.json");
    const r = await cli(["plan", "stacks/crm/mcp-auth.ts", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Wrote .*plan\.json: plan 'crm' \(2 servers, 17 scopes, 4 tiers\)\n$/);
    expect(await readFile(out, "utf8")).toBe(serializePlan(compile(crm)));
    // …and check accepts the plan JSON it wrote.
    expect((await cli(["check", out])).code).toBe(0);
  });

  it("reads mcp-auth.ts from the working directory when no file is given", async () => {
    await writeFile(path.join(tmp, "mcp-auth.ts"), `export default ${JSON.stringify(base(), null, 2)};\n`);
    const r = await cli(["plan"], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(serializePlan(compile(base())));
  });

  it("prints the package version and exits 2 with a hint on an unknown command", async () => {
    const [version, unknown] = await Promise.all([cli(["--version"]), cli(["deploy"])]);
    expect(version).toMatchObject({ code: 0, stdout: `${(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version}\n` });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'deploy'\. Commands: check, plan, diff, report, audit, revoke, dev\. Run 'pulumi-mcp-auth --help'/);
  });
});

describe("CLI behaviour (in-process)", () => {
  it("prints the top-level help with every command and exits 0, or 2 when no command is given", async () => {
    const help = await inProcess(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pulumi-mcp-auth <command> \[options\]/);
    for (const c of ["check", "plan", "diff", "dev"]) expect(help.stdout).toMatch(new RegExp(`\\n {2}${c} +\\S`));
    expect((await inProcess([])).code).toBe(2);
    expect((await inProcess(["-h"])).stdout).toBe(help.stdout);
  });

  it("prints each command's help for --help, -h and `help <command>`", async () => {
    const check = await inProcess(["check", "--help"]);
    expect(check).toMatchObject({ code: 0, stderr: "" });
    expect(check.stdout).toMatch(/^Usage: pulumi-mcp-auth check \[file\] \[--format text\|json\]/);
    expect(check.stdout).toMatch(/Exit codes:\n {2}0 {2}no error findings/);
    expect((await inProcess(["help", "check"])).stdout).toBe(check.stdout);
    const plan = await inProcess(["plan", "-h"]);
    expect(plan.stdout).toMatch(/^Usage: pulumi-mcp-auth plan \[file\] \[--out <path>\]/);
  });

  it("says 'command not available' and exits 2 when a command's module is missing", async () => {
    const empty = pathToFileURL(`${tmp}${path.sep}`);
    const r = await inProcess(["check"], {}, empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/command not available: 'check' is not part of this build/);
    expect((await inProcess(["--help"], {}, empty)).stdout).toMatch(/check {3}\(not available in this build\)/);
  });

  it("names the package to install and exits 2 when a command's dependency is not installed, instead of saying the command is not in the build", async () => {
    const dir = path.join(tmp, "commands-missing-peer");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    await writeFile(path.join(dir, "revoke.js"), `import "@no-such-scope/client-dynamodb";\nexport default { name: "revoke", summary: "Revoke.", help: "Usage: revoke", run: async () => 0 };\n`);
    const commandsDir = pathToFileURL(`${dir}${path.sep}`);
    const r = await inProcess(["revoke", "--user", "alice"], {}, commandsDir);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/not part of this build/);
    expect(r.stderr).toBe("pulumi-mcp-auth: revoke needs the package '@no-such-scope/client-dynamodb', which is not installed; install it with: npm install --save-dev @no-such-scope/client-dynamodb\n");
    expect((await inProcess(["--help"], {}, commandsDir)).stdout).toMatch(/revoke {2}\(needs @no-such-scope\/client-dynamodb, not installed\)/);
  });

  it("rejects bad flags with exit 2 and a pointer to the command's help", async () => {
    const bad = await inProcess(["check", "--format", "xml", CRM]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pulumi-mcp-auth: check: --format must be 'text' or 'json', got 'xml'\nRun 'pulumi-mcp-auth check --help' for usage.\n");
    expect((await inProcess(["check", "--bogus"])).stderr).toMatch(/^pulumi-mcp-auth: check: Unknown option '--bogus'\n/);
    expect((await inProcess(["plan", "a.ts", "b.ts"])).stderr).toMatch(/plan: unexpected argument 'b.ts'/);
    expect((await inProcess(["check", "--rule", "no-such-rule", CRM])).stderr).toMatch(/unknown rule 'no-such-rule'/);
  });

  it("exits 2 naming the file when the declaration file does not exist", async () => {
    const r = await inProcess(["check", "missing/mcp-auth.ts"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^✖ missing\/mcp-auth\.ts: no such file /);
  });

  it("groups text findings by target and uses colour only on a terminal without NO_COLOR (an empty NO_COLOR counts as unset)", async () => {
    const fixture = path.join(FIXTURES, "tier-sensitivity-cap.ts");
    const plain = await inProcess(["check", fixture]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toMatch(/\u001b\[/);
    expect(plain.stdout).toMatch(/^tier dcr\n {2}error {3}Tier 'dcr' \(dcr\) may hold high scopes, .* tier-sensitivity-cap\n {10}fix: /);
    expect(plain.stdout).toMatch(/: 1 error, 0 warnings\n$/);
    expect((await inProcess(["check", fixture], { stdoutIsTTY: true })).stdout).toMatch(/\u001b\[31m/);
    expect((await inProcess(["check", fixture], { stdoutIsTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(/\u001b\[/);
    expect((await inProcess(["check", fixture], { stdoutIsTTY: true, env: { NO_COLOR: "" } })).stdout).toMatch(/\u001b\[31m/);
  });

  it("runs only the rules named with --rule, and exits 0 on warnings alone", async () => {
    const r = await inProcess(["check", path.join(FIXTURES, "no-unused-scopes.ts"), "--rule", "no-unused-scopes", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ summary: { errors: 0, warnings: 1, rules: 1 } });
  });

  it("exits 2 on a hand-edited plan JSON whose DCR tier was given an export scope, naming the field, and 0 on the plan as compiled", async () => {
    const crmPlan = JSON.parse(serializePlan(compile(crm))) as any;
    const good = path.join(tmp, "crm-plan.json");
    await writeFile(good, JSON.stringify(crmPlan));
    expect((await inProcess(["check", good])).code).toBe(0);
    crmPlan.servers.find((s: any) => s.name === "crm").access.find((a: any) => a.tier === "dcr").scopes.push("crm:customers:export");
    const edited = path.join(tmp, "edited-plan.json");
    await writeFile(edited, JSON.stringify(crmPlan));
    const r = await inProcess(["check", edited, "--format", "json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: false,
      issues: [{ path: "servers[crm].access[dcr].scopes", message: 'has "crm:customers:export", unlike what its declared part derives' }],
    });
  });

  it("exits 2 with every plan-schema problem when given a plan JSON that does not match the schema", async () => {
    const file = path.join(tmp, "broken-plan.json");
    const plan = JSON.parse(serializePlan(compile(base()))) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...plan, planVersion: 2, extra: true }));
    const r = await inProcess(["check", file, "--format", "json"]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { valid: boolean; issues: { path: string }[] };
    expect(doc.valid).toBe(false);
    expect(doc.issues.map((i) => i.path).sort()).toEqual(["", "planVersion"]);
  });
});
