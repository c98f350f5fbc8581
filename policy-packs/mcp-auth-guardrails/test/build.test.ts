import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("the policy pack bundle", () => {
  it("builds into CommonJS files that Pulumi loads, with the shared rules inside and the Pulumi SDKs external", async () => {
    const pkg = JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8")) as { main: string; scripts: { build: string } };
    const out = mkdtempSync(path.join(tmpdir(), "guardrails-"));
    try {
      // The same options as the pack's `npm run build`; here `pulumi-mcp-auth` resolves to this
      // repository's sources (tsconfig paths), in a platform repo to the installed package.
      expect(pkg.scripts.build).toContain("--format=cjs");
      expect(pkg.main).toBe("dist/index.cjs");
      const result = await build({
        entryPoints: [path.join(packDir, "src/index.ts"), path.join(packDir, "src/policies.ts")],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        outdir: out,
        outExtension: { ".js": ".cjs" },
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
      expect(readFileSync(path.join(out, "policies.cjs"), "utf8")).not.toContain("new import_policy");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("depends on a pulumi-mcp-auth range that admits this version of the package", () => {
    const pack = JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const main = JSON.parse(readFileSync(path.join(packDir, "../../package.json"), "utf8")) as { version: string; files: string[] };
    const range = pack.dependencies["pulumi-mcp-auth"]!;
    const [major, minor] = main.version.split(".");
    expect(range).toBe(`^${major}.${minor}.0`);
    expect(main.files).toEqual(expect.arrayContaining(["policy-packs/mcp-auth-guardrails/package.json", "policy-packs/mcp-auth-guardrails/src/"]));
  });
});

describe("the pack README", () => {
  it("documents every resource policy", async () => {
    const { resourcePolicies } = await import("../src/policies.js");
    const readme = readFileSync(path.join(packDir, "README.md"), "utf8");
    for (const p of resourcePolicies) expect(readme).toContain(`\`${p.name}\``);
  });

  it("gives each resource policy its enforcement level and the defaults of its config, and lists no policy the pack lacks", async () => {
    const { resourcePolicies } = await import("../src/policies.js");
    const readme = readFileSync(path.join(packDir, "README.md"), "utf8");
    const rows = readme.split("\n").filter((l) => /^\| `[a-z0-9-]+` \|/.test(l));
    expect(rows.map((r) => /^\| `([a-z0-9-]+)`/.exec(r)![1]).sort()).toEqual(resourcePolicies.map((p) => p.name).sort());
    for (const p of resourcePolicies) {
      const cells = rows.find((r) => r.startsWith(`| \`${p.name}\` |`))!.split("|").map((c) => c.trim());
      expect(cells[2], p.name).toBe(p.enforcementLevel);
      const properties = (p.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
      const shown = Object.entries(properties).map(([k, v]) => `\`${k}\` (${String(v.default)})`).join(", ");
      expect(cells[4], p.name).toBe(shown);
    }
  });
});
