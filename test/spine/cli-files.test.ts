import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRM } from "./helpers.js";
import { runCli } from "../support/cli.js";

/** Runs the CLI in-process in `cwd` with captured output. */
const cli = (args: string[], cwd: string) => runCli(args, { cwd });

let dir: string;
beforeAll(async () => {
  // Outside any git repository (the OS temporary directory).
  dir = await mkdtemp(path.join(os.tmpdir(), "pulumi-mcp-auth-files-"));
  await mkdir(path.join(dir, "platform"));
  await writeFile(path.join(dir, "no-default.ts"), "export const declaration = { name: 'x' };\n");
  await writeFile(path.join(dir, "named-and-default.ts"), `import crm from ${JSON.stringify(CRM)};\nexport const other = 1;\nexport default crm;\n`);
  await writeFile(path.join(dir, "number.ts"), "export default 42;\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI on a file it cannot use", () => {
  it("says in one line that the file does not exist, and exits 2", async () => {
    const r = await cli(["check", "missing.ts"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`✖ missing.ts: no such file (looked for ${path.join(dir, "missing.ts")}); give the path of your declaration file or plan JSON\n`);
    expect((await cli(["plan", "missing.json"], dir)).stderr).toMatch(/^✖ missing\.json: no such file [^\n]*\n$/);
  });

  it("says in one line that a directory is not a declaration file", async () => {
    const r = await cli(["check", "platform"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("✖ platform: is a directory, not a declaration file; give the declaration file inside it (e.g. mcp-auth.ts)\n");
  });

  it("says in one line that a module has no default export, or that it exports something else", async () => {
    const r = await cli(["check", "no-default.ts"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("✖ no-default.ts: has no default export; end it with export default defineMcpAuth({ … })\n");
    expect((await cli(["check", "number.ts"], dir)).stderr).toBe("✖ number.ts: its default export is a number, not a declaration; export default defineMcpAuth({ … })\n");
  });

  it("finds the default export of a module that also has named exports", async () => {
    const r = await cli(["check", "named-and-default.ts", "--format", "json"], dir);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, plan: { name: "crm" } });
  });

  it("says in one line that a git revision cannot be read outside a git repository", async () => {
    const r = await cli(["diff", "HEAD:mcp-auth.ts", CRM], dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(`✖ HEAD:mcp-auth.ts: ${dir} is not inside a git repository, so a <ref>:<path> side cannot be read; run diff in your repository's clone, or compare two files`);
    expect(r.stderr).not.toMatch(/fatal:|git rev-parse/);
  });

  it("says in one line that a plan JSON is not valid JSON, naming the file once", async () => {
    await writeFile(path.join(dir, "broken.json"), "{\n");
    const r = await cli(["check", "broken.json"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^✖ broken\.json: is not valid JSON: [^\n]*\n$/);
  });
});

describe("the CLI on an output file it cannot write", () => {
  it("says in one line that --out cannot be written, and exits 2 (not 70, which is kept for bugs), for plan, report and diff", async () => {
    await writeFile(path.join(dir, "a-file"), "");
    for (const [out, why] of [
      ["platform", "it is a directory"],
      ["a-file/plan.json", "a part of its path is not a directory"],
    ] as const) {
      for (const args of [
        ["plan", CRM],
        ["report", CRM, "--idp", "okta"],
        ["diff", CRM, CRM],
      ]) {
        const r = await cli([...args, "--out", out], dir);
        expect(r.code, `${args[0]} --out ${out}`).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(`pulumi-mcp-auth: ${args[0]}: --out ${out}: cannot be written: ${why}\n`);
      }
    }
  });
});
