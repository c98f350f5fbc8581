import { execFile as execFileCb, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import diff from "../../cli/commands/diff.js";
import { UsageError, type CliIO } from "../../cli/io.js";
import { compile, serializePlan } from "../../components/plan/compile.js";
import { DIFF_COMMENT_MARKER } from "../../components/diff/markdown.js";
import { crmDeclaration, tier } from "./fixtures/cases.js";

const execFile = promisify(execFileCb);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function fakeIO(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, env: { NO_COLOR: "1" } };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}

async function run(cwd: string, ...args: string[]) {
  const f = fakeIO(cwd);
  const code = await diff.run(args, f.io);
  return { code, stdout: f.stdout(), stderr: f.stderr() };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "diff-cli-"));
  const base = crmDeclaration();
  const escalated = structuredClone(base);
  escalated.scopes["crm:customers:export"]!.sensitivity = "routine";
  const reduced = structuredClone(base);
  tier(reduced, "cimd").allowedDomains = ["claude.ai"];
  const neutral = structuredClone(base);
  neutral.scopes["crm:deals:read"]!.displayName = "See deals";
  for (const [name, decl] of Object.entries({ base, escalated, reduced, neutral })) writeFileSync(path.join(dir, `${name}.json`), serializePlan(compile(decl)));
  writeFileSync(path.join(dir, "broken.json"), JSON.stringify({ planVersion: 1, name: "x" }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pulumi-mcp-auth diff (run)", () => {
  it("exits 1 on an escalation by default and prints the Markdown report", async () => {
    const r = await run(dir, "base.json", "escalated.json");
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith(DIFF_COMMENT_MARKER)).toBe(true);
    expect(r.stdout).toContain("Compared `base.json` (before) with `escalated.json` (after).");
    expect(r.stderr).toMatch(/^Risk: high\. .* Failing: --fail-on escalation\.\n$/);
  });

  it.each([
    ["escalated", "escalation", 1],
    ["escalated", "any", 1],
    ["escalated", "never", 0],
    ["reduced", "escalation", 0],
    ["reduced", "any", 1],
    ["neutral", "escalation", 0],
    ["neutral", "any", 1],
    ["base", "any", 0],
  ] as const)("with head %s and --fail-on %s exits %i", async (head, failOn, expected) => {
    expect((await run(dir, "base.json", `${head}.json`, "--fail-on", failOn)).code).toBe(expected);
  });

  it("writes JSON with --format json, to a file with --out", async () => {
    const r = await run(dir, "base.json", "reduced.json", "--format=json", "--out", "out/report.json");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const report = JSON.parse(readFileSync(path.join(dir, "out/report.json"), "utf8")) as { risk: string; changes: { kind: string }[] };
    expect(report.risk).toBe("low");
    expect(report.changes.map((c) => c.kind)).toEqual(["allowed-domain-removed"]);
  });

  it("exits 2 naming the side and the field when a plan is invalid", async () => {
    const r = await run(dir, "base.json", "broken.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read the head side");
    expect(r.stderr).toContain("broken.json");
    expect(r.stderr).toContain("scopes");
  });

  it("refuses a plan JSON whose derived fields were edited by hand, naming the side and the field (exit 2)", async () => {
    const plan = JSON.parse(readFileSync(path.join(dir, "base.json"), "utf8")) as { servers: Array<{ name: string; access: Array<{ tier: string; scopes: string[] }> }> };
    // A wider grant than the declaration gives: the review would otherwise read it as declared.
    const access = plan.servers[0]!.access.find((a) => !a.scopes.includes("crm:customers:export"))!;
    access.scopes.push("crm:customers:export");
    access.scopes.sort();
    writeFileSync(path.join(dir, "hand-edited.json"), `${JSON.stringify(plan, null, 2)}\n`);
    const r = await run(dir, "base.json", "hand-edited.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read the head side");
    expect(r.stderr).toMatch(new RegExp(`servers\\[${plan.servers[0]!.name}\\]\\.access\\[${access.tier}\\]\\.scopes`));
    expect((await run(dir, "hand-edited.json", "base.json")).stderr).toContain("cannot read the base side");
  });

  it("rejects bad arguments with a usage error (exit 2 from the CLI)", async () => {
    await expect(run(dir, "base.json")).rejects.toThrow(UsageError);
    await expect(run(dir, "base.json", "escalated.json", "--format", "html")).rejects.toThrow("--format must be one of markdown, json; got 'html'");
    await expect(run(dir, "base.json", "escalated.json", "--fail-on", "sometimes")).rejects.toThrow("--fail-on must be one of escalation, any, never");
    await expect(run(dir, "base.json", "nope.json")).rejects.toThrow("nope.json: no such file");
    await expect(run(dir, "--head", "HEAD", "base.json")).rejects.toThrow("--head needs --base");
  });
});

describe("pulumi-mcp-auth diff against git refs", () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], { cwd: repo, encoding: "utf8" });
  const tiersSource = (dcrCap: string) => `export const tiers = {
  dcr: { registration: "dcr", clientType: "public", grantTypes: ["authorization_code"], maxSensitivity: "${dcrCap}" },
} as const;
`;

  beforeAll(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), "diff-git-"));
    mkdirSync(path.join(repo, "mcp"));
    writeFileSync(path.join(repo, "package.json"), JSON.stringify({ name: "platform", type: "module", private: true }));
    writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
    // node_modules is never in git: the loader must link the working tree's into the copy (zod below).
    symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
    writeFileSync(
      path.join(repo, "mcp/decl.ts"),
      `import { z } from "zod";
import { tiers } from "./tiers.js";
export default {
  name: "platform",
  scopes: {
    "app:items:read": { description: z.string().parse("Read items"), sensitivity: "routine" },
    "app:items:delete": { description: "Delete items", sensitivity: "high" },
  },
  servers: [{ name: "app", resource: "https://mcp.example.com/app", displayName: "App", tools: {
    list_items: { scopes: ["app:items:read"] }, delete_item: { scopes: ["app:items:delete"] } } }],
  tiers,
};
`,
    );
    writeFileSync(path.join(repo, "mcp/tiers.ts"), tiersSource("routine"));
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "v1");
    writeFileSync(path.join(repo, "plan.json"), execFileSync("npx", ["tsx", path.join(ROOT, "cli/main.ts"), "plan", "mcp/decl.ts"], { cwd: repo, encoding: "utf8" }));
    git("add", "plan.json");
    git("commit", "-q", "-m", "plan");
    // The working-tree change is in the relatively imported file: the base must use the file at the ref.
    writeFileSync(path.join(repo, "mcp/tiers.ts"), tiersSource("high"));
  }, 60_000);
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("compares the declaration at --base with the working tree, imports resolved from the ref's tree", async () => {
    const r = await run(repo, "--base", "HEAD", "mcp/decl.ts");
    expect(r.stderr).not.toContain("cannot read");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Compared `HEAD:mcp/decl.ts` (before) with `mcp/decl.ts` (after).");
    expect(r.stdout).toContain("| Tier may hold scope | `dcr: app:items:delete` |");
    expect(r.stdout).toContain("| tier `dcr` | `app` | tool `delete_item` | `app:items:delete` | high |");
  });

  it("takes paths relative to the current directory and the <ref>:<path> form", async () => {
    const r = await run(path.join(repo, "mcp"), "HEAD~1:decl.ts", "decl.ts", "--format", "json");
    const report = JSON.parse(r.stdout) as { base: { label: string }; counts: { escalation: number } };
    expect(report.base.label).toBe("HEAD~1:decl.ts");
    expect(report.counts.escalation).toBeGreaterThan(0);
  });

  it("reads a plan JSON at a ref with git show", async () => {
    const r = await run(repo, "HEAD:plan.json", "mcp/decl.ts", "--fail-on", "never", "--format", "json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { counts: { newlyReachable: number } }).counts.newlyReachable).toBe(1);
  });

  it("finds no change between a ref and itself (--base with --head)", async () => {
    const r = await run(repo, "--base", "HEAD", "--head", "main", "mcp/decl.ts", "--fail-on", "any");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("Risk: none. No change to what agents can do.\n");
  });

  it("exits 2 for an unknown ref, a path missing at the ref, or a ref that looks like an option", async () => {
    const unknown = await run(repo, "--base", "origin/nope", "mcp/decl.ts");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown git revision 'origin/nope'");
    const missing = await run(repo, "HEAD~1:plan.json", "plan.json");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("plan.json does not exist at HEAD~1");
    const option = await run(repo, "--base=--output=/tmp/x", "mcp/decl.ts");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("invalid git ref");
  });

  it("leaves the repository's index, HEAD and working tree alone", () => {
    expect(git("status", "--porcelain")).toBe(" M mcp/tiers.ts\n");
    expect(git("diff", "--cached", "--name-only")).toBe("");
    expect(git("log", "--format=%s")).toBe("plan\nv1\n");
  });
});

describe("pulumi-mcp-auth diff (spawned)", () => {
  it("runs through the CLI entry as a user would, with the documented exit codes", async () => {
    // From the repository root, as in the README: npx tsx cli/main.ts diff <base> <head>.
    const cli = ["tsx", "cli/main.ts", "diff"];
    const at = (f: string) => path.join(dir, f);
    const esc = await execFile("npx", [...cli, at("base.json"), at("escalated.json")], { cwd: ROOT }).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(esc.code).toBe(1);
    expect(esc.stdout.startsWith(DIFF_COMMENT_MARKER)).toBe(true);
    const ok = await execFile("npx", [...cli, at("base.json"), at("reduced.json"), "--format", "json"], { cwd: ROOT });
    expect((JSON.parse(ok.stdout) as { risk: string }).risk).toBe("low");
    const bad = await execFile("npx", [...cli, at("base.json")], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain("give two sides");
  }, 60_000);
});
