import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, serializePlan } from "../../components/plan/compile.js";
import { DIFF_COMMENT_MARKER } from "../../components/diff/markdown.js";
import { crmDeclaration } from "./fixtures/cases.js";

/**
 * The GitHub workflow cannot run here, so its moving parts are run instead: the shell of the diff
 * step (exit code, summary, failure on invalid input) and the github-script that keeps one comment.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WORKFLOW = readFileSync(path.join(ROOT, ".github/workflows/mcp-auth-diff.yml"), "utf8");

/** The block scalar after `<key>: |` in the step named `step` (indentation-based, enough for this file). */
function block(step: string, key: string): string {
  const lines = WORKFLOW.split("\n");
  const start = lines.findIndex((l) => l.includes(`name: ${step}`));
  const keyLine = lines.findIndex((l, i) => i > start && l.trim() === `${key}: |`);
  expect(start, step).toBeGreaterThan(-1);
  expect(keyLine, `${step} ${key}`).toBeGreaterThan(start);
  const indent = lines[keyLine + 1]!.search(/\S/);
  const body: string[] = [];
  for (const l of lines.slice(keyLine + 1)) {
    if (l.trim() !== "" && l.search(/\S/) < indent) break;
    body.push(l.slice(indent));
  }
  return body.join("\n");
}

describe("the mcp-auth-diff workflow", () => {
  it("pins every action by a full commit SHA and asks only for contents: read and pull-requests: write", () => {
    const uses = [...WORKFLOW.matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]!);
    expect(uses.length).toBe(3);
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
    expect(WORKFLOW).toMatch(/\npermissions:\n {2}contents: read\n {2}pull-requests: write\n\n/);
    // Never pull_request_target: it would run the PR's code with a write token.
    expect(WORKFLOW).toMatch(/\non:\n  pull_request:\n/);
    expect(WORKFLOW).not.toMatch(/^\s*pull_request_target:/m);
  });

  it("runs on every pull request, so it can be a required check: no paths filter", () => {
    expect(WORKFLOW).not.toMatch(/^\s*paths(-ignore)?:/m);
  });

  it("calls the CLI with npx --no-install, never letting npx fetch a package", () => {
    const npx = WORKFLOW.split("\n")
      .map((l) => l.trim())
      .filter((l) => !l.startsWith("#") && /\bnpx\b/.test(l));
    expect(npx.length).toBeGreaterThan(0);
    for (const line of npx) expect(line).toMatch(/^npx --no-install /);
    expect(WORKFLOW).not.toContain("github.event.pull_request.base.sha");
  });

  describe("base and relevance step", () => {
    let repo: string;
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], { cwd: repo, encoding: "utf8" }).trim();
    /**
     * A base branch that moved on after the PR was opened (so `pull_request.base.sha` is stale),
     * and GitHub's merge commit of the PR into the base tip as the working tree.
     */
    function mergeRepo(prFile: string): { staleBase: string; tip: string } {
      repo = mkdtempSync(path.join(os.tmpdir(), "diff-wf-base-"));
      git("init", "-q", "-b", "main");
      writeFileSync(path.join(repo, "README.md"), "base\n");
      git("add", "-A");
      git("commit", "-q", "-m", "base");
      const staleBase = git("rev-parse", "HEAD");
      git("checkout", "-q", "-b", "pr");
      mkdirSync(path.dirname(path.join(repo, prFile)), { recursive: true });
      writeFileSync(path.join(repo, prFile), "changed by the PR\n");
      git("add", "-A");
      git("commit", "-q", "-m", "pr");
      git("checkout", "-q", "main");
      // Another PR merged meanwhile: it changed the declaration.
      mkdirSync(path.join(repo, "stacks/crm"), { recursive: true });
      writeFileSync(path.join(repo, "stacks/crm/mcp-auth.ts"), "changed by another PR\n");
      git("add", "-A");
      git("commit", "-q", "-m", "other");
      const tip = git("rev-parse", "HEAD");
      git("checkout", "-q", "--detach");
      git("merge", "-q", "--no-ff", "-m", "merge pr", "pr");
      return { staleBase, tip };
    }
    afterAll(() => rmSync(repo, { recursive: true, force: true }));

    function runChanges() {
      const output = path.join(repo, "..", `${path.basename(repo)}-output.txt`);
      const summary = path.join(repo, "..", `${path.basename(repo)}-summary.md`);
      writeFileSync(output, "");
      writeFileSync(summary, "");
      const env = WORKFLOW.match(/RELEVANT_PATHS: (.*)/)![1]!;
      const r = spawnSync("bash", ["-e", "-c", block("Find the base and whether anything relevant changed", "run")], {
        cwd: repo,
        env: { ...process.env, RELEVANT_PATHS: env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
        encoding: "utf8",
      });
      return { status: r.status, output: readFileSync(output, "utf8"), summary: readFileSync(summary, "utf8") };
    }

    it("takes the merge commit's first parent as the base, not the stale base SHA, and ends early when the PR changes nothing relevant", () => {
      const { staleBase, tip } = mergeRepo("docs/notes.md");
      expect(tip).not.toBe(staleBase);
      const r = runChanges();
      expect(r.status).toBe(0);
      // Against the stale base the other PR's declaration change would count as this PR's.
      expect(r.output).toBe(`base=${tip}\nrelevant=false\n`);
      expect(r.summary.startsWith(`${DIFF_COMMENT_MARKER}\n## MCP authorization review\n\nNo change to the declaration`)).toBe(true);
      expect(readFileSync(path.join(repo, "mcp-auth-diff.md"), "utf8")).toBe(r.summary);
    });

    it("runs the review when the PR changes the declaration or the toolkit", () => {
      mergeRepo("components/diff/reach.ts");
      const r = runChanges();
      expect(r.output).toMatch(/^base=[0-9a-f]{40}\nrelevant=true\n$/);
      expect(r.summary).toBe("");
    });
  });

  describe("diff step shell", () => {
    let repo: string;
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], { cwd: repo });
    beforeAll(() => {
      repo = mkdtempSync(path.join(os.tmpdir(), "diff-wf-"));
      writeFileSync(path.join(repo, "plan.json"), serializePlan(compile(crmDeclaration())));
      git("init", "-q", "-b", "main");
      git("add", "-A");
      git("commit", "-q", "-m", "base");
    });
    afterAll(() => rmSync(repo, { recursive: true, force: true }));

    /** Runs the step's script as Actions would (bash -e), with the CLI path made absolute. */
    function runStep(declaration: string) {
      const script = block("Diff the declaration against the base", "run").replace("npx --no-install tsx cli/main.ts", `"${ROOT}/node_modules/.bin/tsx" "${ROOT}/cli/main.ts"`);
      expect(script).toContain(ROOT);
      rmSync(path.join(repo, "mcp-auth-diff.md"), { force: true });
      const output = path.join(repo, "output.txt");
      const summary = path.join(repo, "summary.md");
      writeFileSync(output, "");
      writeFileSync(summary, "");
      const r = spawnSync("bash", ["-e", "-c", script], {
        cwd: repo,
        env: { ...process.env, BASE_SHA: "HEAD", DECLARATION: declaration, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
        encoding: "utf8",
      });
      return { status: r.status, output: readFileSync(output, "utf8"), summary: readFileSync(summary, "utf8") };
    }

    it("records exit code 1 for an escalation, writes the job summary, and leaves failing to the label step", () => {
      const escalated = crmDeclaration();
      escalated.scopes["crm:customers:export"]!.sensitivity = "routine";
      writeFileSync(path.join(repo, "plan.json"), serializePlan(compile(escalated)));
      const r = runStep("plan.json");
      expect(r.status).toBe(0);
      expect(r.output).toBe("exit-code=1\n");
      expect(r.summary.startsWith(DIFF_COMMENT_MARKER)).toBe(true);
      expect(r.summary).toContain("Sensitivity lowered");
    }, 30_000);

    it("records exit code 2 on invalid input and writes a failure report for the comment, leaving failing to a later step", () => {
      writeFileSync(path.join(repo, "plan.json"), "{}");
      const r = runStep("plan.json");
      expect(r.status).toBe(0);
      expect(r.output).toBe("exit-code=2\n");
      const report = readFileSync(path.join(repo, "mcp-auth-diff.md"), "utf8");
      expect(report.startsWith(`${DIFF_COMMENT_MARKER}\n## MCP authorization review\n\n**The review failed (exit 2)**`)).toBe(true);
      expect(report).toMatch(/planVersion/);
      expect(r.summary).toBe(report);
    }, 30_000);

    it("fails the job on exit 2 after the comment step, which runs for every exit code", () => {
      const lines = WORKFLOW.split("\n");
      const ifOf = (step: string) => lines[lines.findIndex((l) => l.includes(`name: ${step}`)) + 1]!.trim();
      expect(ifOf("Create or update the PR comment")).toBe("# Also when the diff failed, and, when nothing relevant changed, to refresh an earlier comment.");
      expect(WORKFLOW).toContain("if: steps.changes.outputs.relevant == 'false' || steps.diff.outputs.exit-code != ''");
      expect(WORKFLOW.indexOf("name: Fail on invalid input")).toBeGreaterThan(WORKFLOW.indexOf("name: Create or update the PR comment"));
      const r = spawnSync("bash", ["-e", "-c", block("Fail on invalid input", "run")], { env: { ...process.env, CODE: "2" }, encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain("::error title=MCP authorization review failed::");
      expect(existsSync(path.join(repo, "mcp-auth-diff.md"))).toBe(true);
    });
  });

  describe("comment script", () => {
    type Comment = { id: number; user: { login: string }; body: string };
    function fakeGitHub(existing: Comment[]) {
      const comments = [...existing];
      const calls: string[] = [];
      const github = {
        paginate: async (_fn: unknown, params: { issue_number: number }) => {
          calls.push(`list ${params.issue_number}`);
          return comments;
        },
        rest: {
          issues: {
            listComments: () => undefined,
            createComment: async (p: { issue_number: number; body: string }) => {
              calls.push(`create ${p.issue_number}`);
              comments.push({ id: 100 + comments.length, user: { login: "github-actions[bot]" }, body: p.body });
            },
            updateComment: async (p: { comment_id: number; body: string }) => {
              calls.push(`update ${p.comment_id}`);
              comments.find((c) => c.id === p.comment_id)!.body = p.body;
            },
          },
        },
      };
      return { github, comments, calls };
    }

    async function runScript(github: unknown, body: string, updateOnly = false) {
      process.env["UPDATE_ONLY"] = updateOnly ? "true" : "false";
      const script = block("Create or update the PR comment", "script");
      const fakeRequire = (m: string) => {
        expect(m).toBe("node:fs");
        return { readFileSync: (p: string) => (p === "mcp-auth-diff.md" ? body : (() => { throw new Error(`unexpected read ${p}`); })()) };
      };
      const context = { repo: { owner: "acme", repo: "platform" }, payload: { pull_request: { number: 7 } } };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
      await new AsyncFunction("require", "github", "context", script)(fakeRequire, github, context);
    }

    it("creates one comment, then updates that same comment on re-runs", async () => {
      const fake = fakeGitHub([]);
      await runScript(fake.github, `${DIFF_COMMENT_MARKER}\nfirst`);
      await runScript(fake.github, `${DIFF_COMMENT_MARKER}\nsecond`);
      expect(fake.calls).toEqual(["list 7", "create 7", "list 7", "update 100"]);
      expect(fake.comments.map((c) => c.body)).toEqual([`${DIFF_COMMENT_MARKER}\nsecond`]);
    });

    it("only refreshes an existing comment when nothing relevant changed, and creates none", async () => {
      const none = fakeGitHub([]);
      await runScript(none.github, `${DIFF_COMMENT_MARKER}\nnothing to review`, true);
      expect(none.calls).toEqual(["list 7"]);
      const stale = fakeGitHub([{ id: 3, user: { login: "github-actions[bot]" }, body: `${DIFF_COMMENT_MARKER}\nescalation` }]);
      await runScript(stale.github, `${DIFF_COMMENT_MARKER}\nnothing to review`, true);
      expect(stale.calls).toEqual(["list 7", "update 3"]);
      expect(stale.comments[0]!.body).toBe(`${DIFF_COMMENT_MARKER}\nnothing to review`);
    });

    it("does not take over a human's comment that quotes the marker", async () => {
      const fake = fakeGitHub([{ id: 1, user: { login: "mallory" }, body: `${DIFF_COMMENT_MARKER}\nall clear` }]);
      await runScript(fake.github, `${DIFF_COMMENT_MARKER}\nreport`);
      expect(fake.calls).toEqual(["list 7", "create 7"]);
      expect(fake.comments[0]!.body).toBe(`${DIFF_COMMENT_MARKER}\nall clear`);
    });
  });
});
