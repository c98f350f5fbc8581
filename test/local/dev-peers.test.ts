import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { missingPeer, runDev } from "../../cli/commands/dev.js";
import type { CliIO } from "../../cli/io.js";
import { compile, defineMcpAuth } from "../../components/index.js";

/**
 * `pulumi-mcp-auth dev` from an installed package whose optional peers (oidc-provider, the MCP SDK)
 * are not installed: the real Node resolution error is produced by importing the peer from a
 * directory where it cannot be found, and handed to `dev` in place of the local stack's import.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const FILE = "stacks/crm/mcp-auth.ts";

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: ROOT, env: {} };
}

/**
 * Node's own error for `import specifier` where the package is not installed: a fresh Node process
 * imports it from an empty directory outside the project (vitest's resolver would find the
 * project's copy), and the loader rethrows that error as the import of the local stack would.
 */
function importFromNowhere(specifier: string): () => Promise<never> {
  const dir = mkdtempSync(path.join(tmpdir(), "mcp-dev-peers-"));
  const probe = path.join(dir, "probe.mjs");
  writeFileSync(probe, `import ${JSON.stringify(specifier)};\n`);
  const r = spawnSync(process.execPath, [probe], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  const line = /^Error \[(\w+)\]: (.*)$/m.exec(r.stderr);
  if (!line) throw new Error(`expected a module-not-found error, got: ${r.stderr}`);
  const err = Object.assign(new Error(line[2]), { code: line[1] });
  return () => Promise.reject(err);
}

describe("pulumi-mcp-auth dev without its optional peers", () => {
  for (const peer of ["oidc-provider", "openid-client", "@modelcontextprotocol/sdk/server/mcp.js"]) {
    it(`names the packages to install and exits 2 when ${peer} is missing, with no stack trace`, async () => {
      const io = capture();
      const code = await runDev([FILE, "--as-port", "0", "--edge-port", "0", "--demo-port", "0"], io, Promise.resolve(), undefined, importFromNowhere(peer));
      expect(code).toBe(2);
      const err = io.err.join("");
      expect(err).toContain(`and ${peer.startsWith("@") ? "@modelcontextprotocol/sdk" : peer} is not installed`);
      expect(err).toContain("npm install --save-dev oidc-provider@^9.0.0 openid-client@^6.0.0 @modelcontextprotocol/sdk@^1.20.0");
      expect(err.trim().split("\n")).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
      expect(io.out.join("")).toBe("");
    });
  }

  it("lets any other failure through (a missing module that is not an optional peer is a bug, not a setup step)", async () => {
    const other = importFromNowhere("left-pad-not-a-peer");
    await expect(runDev([FILE], capture(), Promise.resolve(), undefined, other)).rejects.toThrowError(/left-pad-not-a-peer/);
    expect(missingPeer(new Error("Cannot find package 'left-pad' imported from /x.js"))).toBeUndefined();
    expect(missingPeer(new Error("Cannot find package 'oidc-provider' imported from /x.js"))).toBe("oidc-provider");
  });
});

describe("the README's declaration", () => {
  it("seeds the dev users the README tells you to sign in as, and names the upstream the edge forwards to", () => {
    const text = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const block = /## Declare\n+```ts\n([\s\S]*?)```/.exec(text)![1]!;
    const body = block.replace(/^import .*$/gm, "").replace("export default ", "return ");
    const decl = new Function("defineMcpAuth", body)(defineMcpAuth);
    const plan = compile(decl);
    expect(plan.dev.users.map((u) => u.username)).toEqual(["alice", "bob"]);
    expect(text).toContain("Sign in as `alice` or `bob`");
    expect(plan.servers[0]!.upstream).toBe("https://crm-mcp.internal.example.com/mcp");
  });
});
