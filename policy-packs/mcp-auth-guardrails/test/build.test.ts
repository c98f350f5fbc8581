import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("the policy pack bundle", () => {
  it("builds into one CommonJS file that Pulumi loads, with the shared rules inside and the Pulumi SDKs external", async () => {
    const pkg = JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8")) as { main: string; scripts: { build: string } };
    const out = mkdtempSync(path.join(tmpdir(), "guardrails-"));
    try {
      // The same options as the pack's `npm run build`.
      expect(pkg.scripts.build).toContain("--format=cjs");
      const result = await build({
        entryPoints: [path.join(packDir, "src/index.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        outfile: path.join(out, path.basename(pkg.main)),
        external: ["@pulumi/policy", "@pulumi/pulumi"],
        write: true,
        logLevel: "silent",
      });
      expect(result.errors).toEqual([]);
      const code = readFileSync(path.join(out, "index.cjs"), "utf8");
      expect(code).toContain('require("@pulumi/policy")');
      expect(code).toContain("sensitive-verbs-not-routine");
      expect(code).toContain("okta-auth-server-policy-rule-no-wildcard-scopes");
      expect(code).toMatch(/new import_policy\d*\.PolicyPack\("mcp-auth-guardrails"/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("the pack README", () => {
  it("documents every resource policy", async () => {
    const { resourcePolicies } = await import("../src/policies.js");
    const readme = readFileSync(path.join(packDir, "README.md"), "utf8");
    for (const p of resourcePolicies) expect(readme).toContain(`\`${p.name}\``);
  });
});
