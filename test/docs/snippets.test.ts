import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every TypeScript block of the docs below, type-checked against the package's own sources the way a
 * user's project sees them (`pulumi-mcp-auth`, `pulumi-mcp-auth/okta`, … mapped to the entry points
 * package.json exports). A block that is a fragment of a larger file gets a stated wrapper; a block
 * that uses names it does not define gets `declare` lines giving them the type a user would have.
 * A new block in these docs fails the test until it is listed here, so none goes unchecked.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOCS = ["README.md", "docs/declarations.md", "docs/rules.md", "docs/local.md", "docs/front.md", "docs/cli.md"] as const;

/** The package's entry points (package.json "exports"), as sources. */
const ENTRY_POINTS: Record<string, string> = {
  "pulumi-mcp-auth": "components/index.ts",
  "pulumi-mcp-auth/okta": "components/targets/okta/index.ts",
  "pulumi-mcp-auth/auth0": "components/targets/auth0/index.ts",
  "pulumi-mcp-auth/entra": "components/targets/entra/index.ts",
  "pulumi-mcp-auth/aws": "components/targets/aws/index.ts",
  "pulumi-mcp-auth/edge": "lambda/index.ts",
  "pulumi-mcp-auth/local": "components/local/index.ts",
  "pulumi-mcp-auth/front": "components/front/index.ts",
};

interface Snippet {
  /** Names the block uses without defining them, declared with the type a user would have. */
  readonly prelude?: string;
  /** Turns a fragment into a module (default: the block as written). */
  readonly wrap?: (code: string) => string;
}

/** Every block, by `<doc>#<n>` (n counts the doc's TypeScript blocks from 1). */
const SNIPPETS: Record<string, Snippet> = {
  // The "Declare" block: a complete mcp-auth.ts, also the module the next two blocks import.
  "README.md#1": {},
  "README.md#2": {},
  // "Deploy the edge on AWS" continues the program of "Provision your IdP".
  "README.md#3": { wrap: (code) => `${block("README.md", 2)}\n${code}` },
  "docs/declarations.md#1": {},
  "docs/rules.md#1": {
    prelude: `import type { McpAuthPlan } from "pulumi-mcp-auth";\ndeclare const declaration: unknown;\ndeclare const plan: McpAuthPlan;\ndeclare const planFromJson: McpAuthPlan;`,
  },
  "docs/local.md#1": { prelude: `import type { McpAuthPlan } from "pulumi-mcp-auth";\ndeclare const plan: McpAuthPlan;` },
  // One server of a declaration: the `servers` property of a `defineMcpAuth` argument, the elided fields filled in.
  "docs/front.md#1": {
    wrap: (code) =>
      `import { defineMcpAuth } from "pulumi-mcp-auth";\nexport default defineMcpAuth({\n  name: "crm",\n  scopes: { "crm:customers:read": { description: "Read customer records", sensitivity: "routine" } },\n  tiers: {},\n  ${code
        .trim()
        .replace(/, …/, `, displayName: "CRM", tools: { list_customers: { scopes: ["crm:customers:read"] } }`)},\n});`,
  },
  "docs/front.md#2": {
    prelude: [
      `import http from "node:http";`,
      `import type { McpAuthPlan } from "pulumi-mcp-auth";`,
      `import type { FrontStore } from "pulumi-mcp-auth/front";`,
      `import type { JWK } from "jose";`,
      `declare const plan: McpAuthPlan;`,
      `declare const signingKey: JWK;`,
      `declare const secret: string;`,
      `declare const store: FrontStore;`,
      `declare const clientId: string;`,
      `declare const clientSecret: string;`,
      `declare const edgeSecret: string;`,
    ].join("\n"),
  },
};

/** The TypeScript blocks of a doc, in order. */
function blocks(doc: string): string[] {
  const text = readFileSync(path.join(ROOT, doc), "utf8");
  return [...text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

function block(doc: string, n: number): string {
  return blocks(doc)[n - 1]!;
}

/** Type-checks in-memory modules against the repository's sources; returns the diagnostics as text. */
function typeCheck(files: Record<string, string>): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // A user's module imports from the package by name; unused names in a doc block are fine.
    noUnusedLocals: false,
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([k, v]) => [k, [path.join(ROOT, v)]])),
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files[f] ?? readFile(f);
  host.fileExists = (f) => f in files || fileExists(f);
  const dirs = new Set(Object.keys(files).map((f) => path.dirname(f)));
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => dirs.has(d) || (directoryExists ? directoryExists(d) : ts.sys.directoryExists(d));
  host.getSourceFile = (f, lang, onError, create) => (f in files ? ts.createSourceFile(f, files[f]!, lang, true) : getSourceFile(f, lang, onError, create));
  const program = ts.createProgram(Object.keys(files), options, host);
  return Object.keys(files).flatMap((f) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return `${path.relative(ROOT, d.file?.fileName ?? f)}${where ? `:${where.line + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    }),
  );
}

describe("the TypeScript snippets of the README and docs", () => {
  it("are every TypeScript block of those docs, each listed with how it is checked", () => {
    const found = DOCS.flatMap((doc) => blocks(doc).map((_, i) => `${doc}#${i + 1}`));
    expect(found.sort()).toEqual(Object.keys(SNIPPETS).sort());
  });

  it("type-check against the package's entry points as written", () => {
    const dir = path.join(ROOT, "test/docs/snippets");
    const files: Record<string, string> = {};
    for (const [key, s] of Object.entries(SNIPPETS)) {
      const [doc, n] = key.split("#") as [string, string];
      const code = block(doc, Number(n));
      const body = s.wrap ? s.wrap(code) : code;
      const file = path.join(dir, `${doc.replace(/[/.]/g, "_")}_${n}.ts`);
      // Blocks that only declare names still need to be modules, so their names do not collide.
      files[file] = `${s.prelude ? `${s.prelude}\n` : ""}${body}\nexport {};\n`;
    }
    // The README imports its declaration from "./mcp-auth.js": the README's own "Declare" block.
    files[path.join(dir, "mcp-auth.ts")] = block("README.md", 1);
    expect(typeCheck(files)).toEqual([]);
  }, 180_000);
});
