import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, serializePlan } from "../../components/index.js";
import { crmDeclaration } from "../diff/fixtures/cases.js";
import { runCli } from "../support/cli.js";

/**
 * The option tables of docs/report.md and docs/diff.md against the commands: every option they list
 * is in the command's --help, every value they list is accepted, a value they do not list is refused
 * with exit 2, the default they state is what the command does without the option, and the exit
 * codes they list are the ones --help lists.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let dir: string;
const run = (args: string[]) => runCli(args, { cwd: dir });

interface DocOption {
  flag: string;
  values: string[];
  default: string | undefined;
}

/** The rows of a doc's options table whose first cell is a `--flag`. */
async function optionsTable(doc: string): Promise<DocOption[]> {
  const text = await readFile(path.join(ROOT, "docs", doc), "utf8");
  const out: DocOption[] = [];
  for (const line of text.split("\n")) {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const m = /^`(--[a-z-]+)(?: ([^`]*))?`(?: \| `([^`]+)`)?/.exec(cells.slice(0, 1).join(""));
    if (!m || cells.length < 2) continue;
    const flag = m[1]!;
    // report.md: `--format markdown\|json`; diff.md: values in the second cell (`markdown` (…) or `json`).
    const inline = m[2] && !m[2].startsWith("<") ? m[2].split("\\|") : [];
    const listed = cells.length === 3 ? [...cells[1]!.matchAll(/`([a-z]+)`/g)].map((x) => x[1]!) : [];
    const stated = cells.length === 3 ? /^`([a-z]+)`$/.exec(cells[2]!)?.[1] : /\(?[Dd]efault `([a-z]+)`/.exec(cells[1]!)?.[1];
    out.push({ flag, values: [...inline, ...listed], default: stated });
  }
  return out;
}

async function helpOf(command: string): Promise<string> {
  const r = await run([command, "--help"]);
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Exit codes a doc lists in a `| 0 | …` table, or in "Exit codes: 0 …, 1 …, 2 …". */
function exitCodes(text: string, help: string): { doc: number[]; help: number[] } {
  const table = [...text.matchAll(/^\| ([0-9]) \|/gm)].map((m) => Number(m[1]));
  const sentence = /Exit codes: ([^\n]*(?:\n[^\n]+)*)/.exec(text)?.[1] ?? "";
  const inline = [...sentence.matchAll(/(?:^|, )([0-9]) /g)].map((m) => Number(m[1]));
  const helpCodes = [...help.slice(help.indexOf("Exit codes:")).matchAll(/^\s+([0-9])\s{2}/gm)].map((m) => Number(m[1]));
  return { doc: [...new Set([...table, ...inline])].sort(), help: [...new Set(helpCodes)].sort() };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-auth-doc-options-"));
  await writeFile(path.join(dir, "plan.json"), serializePlan(compile(crmDeclaration())));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("docs/report.md", () => {
  it("lists only options that report --help lists", async () => {
    const help = await helpOf("report");
    const options = await optionsTable("report.md");
    expect(options.map((o) => o.flag)).toEqual(expect.arrayContaining(["--idp", "--format", "--fail-on", "--edge", "--out", "--audit", "--capabilities"]));
    for (const o of options) expect(help, o.flag).toContain(o.flag);
  });

  it("lists values that report accepts, and the command refuses any other", async () => {
    for (const o of await optionsTable("report.md")) {
      for (const v of o.values) {
        const args = o.flag === "--idp" ? ["report", "plan.json", "--idp", v] : ["report", "plan.json", "--idp", "okta", o.flag, v];
        const r = await run(args);
        expect([0, 1], `${o.flag} ${v}: ${r.stderr}`).toContain(r.code);
      }
      if (o.values.length > 0) {
        const r = await run(o.flag === "--idp" ? ["report", "plan.json", "--idp", "nosuch"] : ["report", "plan.json", "--idp", "okta", o.flag, "nosuch"]);
        expect(r.code, o.flag).toBe(2);
      }
    }
  });

  it("states the defaults report applies without the option", async () => {
    const withDefaults = (await optionsTable("report.md")).filter((o) => o.default !== undefined);
    expect(withDefaults.map((o) => o.flag).sort()).toEqual(["--edge", "--fail-on", "--format"]);
    const bare = await run(["report", "plan.json", "--idp", "okta"]);
    for (const o of withDefaults) {
      const explicit = await run(["report", "plan.json", "--idp", "okta", o.flag, o.default!]);
      expect(explicit.stdout, o.flag).toBe(bare.stdout);
      expect(explicit.code, o.flag).toBe(bare.code);
    }
  });

  it("lists the exit codes report --help lists", async () => {
    const text = await readFile(path.join(ROOT, "docs/report.md"), "utf8");
    const codes = exitCodes(text, await helpOf("report"));
    expect(codes.doc).toEqual([0, 1, 2]);
    expect(codes.doc).toEqual(codes.help);
  });
});

describe("docs/diff.md", () => {
  it("lists only options that diff --help lists, with the values diff accepts", async () => {
    const help = await helpOf("diff");
    const options = await optionsTable("diff.md");
    expect(options.map((o) => o.flag)).toEqual(["--format", "--fail-on", "--out"]);
    for (const o of options) {
      expect(help, o.flag).toContain(o.flag);
      for (const v of o.values) {
        const r = await run(["diff", "plan.json", "plan.json", o.flag, v]);
        expect(r.code, `${o.flag} ${v}: ${r.stderr}`).toBe(0);
        expect(help, `${o.flag} ${v}`).toContain(v);
      }
      if (o.values.length > 0) expect((await run(["diff", "plan.json", "plan.json", o.flag, "nosuch"])).code, o.flag).toBe(2);
    }
    expect(options.find((o) => o.flag === "--format")!.values).toEqual(["markdown", "json"]);
    expect(options.find((o) => o.flag === "--fail-on")!.values).toEqual(["escalation", "any", "never"]);
  });

  it("states the defaults diff applies without the option", async () => {
    const withDefaults = (await optionsTable("diff.md")).filter((o) => o.values.includes(o.default ?? ""));
    expect(withDefaults.map((o) => o.flag)).toEqual(["--format", "--fail-on"]);
    const bare = await run(["diff", "plan.json", "plan.json"]);
    for (const o of withDefaults) {
      const explicit = await run(["diff", "plan.json", "plan.json", o.flag, o.default!]);
      expect(explicit.stdout, o.flag).toBe(bare.stdout);
      expect(explicit.stderr, o.flag).toBe(bare.stderr);
    }
  });

  it("lists the exit codes diff --help lists", async () => {
    const text = await readFile(path.join(ROOT, "docs/diff.md"), "utf8");
    const codes = exitCodes(text, await helpOf("diff"));
    expect(codes.doc).toEqual([0, 1, 2]);
    expect(codes.doc).toEqual(codes.help);
  });
});
