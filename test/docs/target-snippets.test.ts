import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every TypeScript snippet of the edge, AWS and IdP pages is compiled: test/docs/snippets/<page>-<n>.ts
 * holds the snippet verbatim between `// snippet:start` and `// snippet:end`, after the declarations
 * it assumes (`declare const okta: OktaMcpAuth`, …), and `npm run typecheck` (`tsc -p tsconfig.json`,
 * part of `npm test`) type-checks those files against the package's entry points
 * (`pulumi-mcp-auth/aws` and the others, mapped to the sources in tsconfig.json). This test keeps the
 * copies identical to the pages; `UPDATE_DOCS=1` rewrites the copies from the pages.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SNIPPETS = path.join(ROOT, "test/docs/snippets");
const PAGES = ["edge", "aws", "okta", "auth0", "entra", "diff", "report"] as const;
const START = "// snippet:start\n";
const END = "// snippet:end\n";

/** The ```ts blocks of a page, in order. */
function blocks(page: string): string[] {
  const text = readFileSync(path.join(ROOT, "docs", `${page}.md`), "utf8");
  return [...text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function between(file: string): string {
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  expect(a, `${file} has no ${START.trim()}`).toBeGreaterThanOrEqual(0);
  expect(b, `${file} has no ${END.trim()}`).toBeGreaterThan(a);
  return text.slice(a + START.length, b);
}

describe("the TypeScript snippets of the edge, AWS and IdP pages", () => {
  for (const page of PAGES) {
    it(`docs/${page}.md: every snippet has a type-checked copy, word for word`, () => {
      const found = blocks(page);
      found.forEach((block, i) => {
        const file = path.join(SNIPPETS, `${page}-${i}.ts`);
        let copy: string;
        try {
          copy = between(file);
        } catch (err) {
          throw new Error(`docs/${page}.md snippet ${i} has no copy in ${path.relative(ROOT, file)} (write its declarations and the snippet between the markers)`, { cause: err });
        }
        if (process.env.UPDATE_DOCS && copy !== block) {
          const text = readFileSync(file, "utf8");
          writeFileSync(file, text.replace(`${START}${copy}${END}`, `${START}${block}${END}`));
          copy = block;
        }
        expect(copy, `${path.relative(ROOT, file)} differs from docs/${page}.md snippet ${i}`).toBe(block);
      });
      // No copy of a snippet the page no longer has.
      const copies = readdirSync(SNIPPETS).filter((f) => new RegExp(`^${page}-\\d+\\.ts$`).test(f));
      expect(copies.length, `test/docs/snippets has ${copies.length} copies of docs/${page}.md's ${found.length} snippets`).toBe(found.length);
    });
  }

  it("is type-checked with the package's entry points mapped to the sources", () => {
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { include: string[]; compilerOptions: { paths: Record<string, string[]> } };
    expect(tsconfig.include).toContain("test");
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { default: string } | string> };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      const name = sub === "." ? "pulumi-mcp-auth" : `pulumi-mcp-auth/${sub.slice(2)}`;
      const source = `./${target.default.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts")}`;
      expect(tsconfig.compilerOptions.paths[name], name).toEqual([source]);
    }
  });
});
