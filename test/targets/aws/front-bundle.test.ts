import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFrontBundle } from "../../../components/front/aws/build.js";
import { compile } from "../../../components/plan/compile.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { coldStartScript } from "../../../bench/front-cold-start.js";

describe("the front's Lambda bundle", () => {
  it("is one CommonJS file that leaves the AWS SDK out and answers discovery with the issuer from its secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "front-bundle-"));
    const { file, bytes } = await buildFrontBundle({ outdir: dir });
    const text = readFileSync(file, "utf8");
    expect(text.startsWith('"use strict";')).toBe(true);
    expect(text).toContain('require("@aws-sdk/client-dynamodb")');
    expect(text).not.toContain("dynalite");
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
    const script = coldStartScript(dir, file, compile(crm));
    const out = execFileSync(process.execPath, [script], { encoding: "utf8", env: { ...process.env, NODE_PATH: resolve("node_modules") } });
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as { status: number; issuer: string };
    expect(r).toMatchObject({ status: 200, issuer: "https://auth.example.com" });
  }, 120_000);
});
