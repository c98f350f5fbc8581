import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTarball, npmPack, ROOT, run } from "../support/npm-pack.js";

/**
 * The package as a platform team gets it: `npm pack` (prepack builds dist/ with
 * tsconfig.build.json), installed from the tarball into a fresh project, type-checked against the
 * public API and its bin run on a declaration. Needs the npm registry (or cache) for the package's
 * own dependencies (zod, jose, tsx).
 */
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");

let work: string;
let project: string;
let tarball: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "pulumi-mcp-auth-pack-"));
  project = path.join(work, "platform-repo");
  ({ tarball, files: packedFiles } = await npmPack(work));
  await run("mkdir", ["-p", project]);
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "platform-repo", private: true, type: "module" }, null, 2));
  await installTarball(tarball, project);
}, 480_000);

let packedFiles: string[] = [];

/**
 * The providers are optional peer dependencies: a platform repo installs the ones it uses. The
 * versions installed here are the providers' current releases (package.json devDependencies).
 */
async function linkProviders(): Promise<void> {
  const link = (from: string, to: string) =>
    symlink(from, to).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  await link(path.join(ROOT, "node_modules/@pulumi"), path.join(project, "node_modules/@pulumi"));
  // Only what Pulumi's template installs (`@types/node`): TypeScript loads every package under @types.
  await mkdir(path.join(project, "node_modules/@types"), { recursive: true });
  await link(path.join(ROOT, "node_modules/@types/node"), path.join(project, "node_modules/@types/node"));
}

/** The README's TypeScript blocks: the declaration, the IdP component, the edge. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the published package", () => {
  it("ships the compiled entry point, its type declarations and the bin, and no tests or sources", () => {
    expect(packedFiles).toEqual(expect.arrayContaining(["package.json", "dist/components/index.js", "dist/components/index.d.ts", "dist/cli/main.js", "dist/cli/commands/check.js"]));
    // The edge bundles ship prebuilt, so `pulumi up` with McpEdge needs no esbuild.
    expect(packedFiles).toEqual(expect.arrayContaining(["dist/edge/index.cjs", "dist/edge/authorizer/index.cjs", "dist/components/targets/aws/index.js", "dist/lambda/index.js"]));
    // The policy pack ships as sources: a platform team copies it and builds it against the installed package.
    expect(packedFiles.filter((f) => f.endsWith(".test.js") || f.startsWith("test/") || (f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("policy-packs/mcp-auth-guardrails/src/")))).toEqual([]);
  });

  it("type-checks a program that imports the public API, as a platform team would", async () => {
    await writeFile(
      path.join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ["*.ts"] }),
    );
    await writeFile(
      path.join(project, "mcp-auth.ts"),
      `import { defineMcpAuth, compile, type McpAuthPlan } from "pulumi-mcp-auth";

const declaration = defineMcpAuth({
  name: "wiki",
  scopes: {
    "wiki:pages:read": { description: "Read pages", sensitivity: "routine" },
    "wiki:pages:delete": { description: "Delete pages", sensitivity: "high" },
  },
  servers: [
    {
      name: "wiki",
      resource: "https://mcp.example.com/wiki",
      displayName: "Wiki",
      tools: { get_page: { scopes: ["wiki:pages:read"] }, delete_page: { scopes: ["wiki:pages:delete"] } },
    },
  ],
  tiers: {
    verified: {
      registration: "pre-registered",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      maxSensitivity: "critical",
      clients: [{ name: "desktop", redirectUris: ["http://127.0.0.1/callback"] }],
    },
  },
});

export const plan: McpAuthPlan = compile(declaration);
const mandatory: string[] = plan.servers[0]!.consent.mandatory;
void mandatory;
export default declaration;
`,
    );
    // A type error the public types must catch: an unknown sensitivity level.
    await writeFile(
      path.join(project, "wrong.ts"),
      `import { defineMcpAuth } from "pulumi-mcp-auth";
// @ts-expect-error "medium" is not a sensitivity level
export default defineMcpAuth({ name: "x", scopes: { "x:y:read": { description: "d", sensitivity: "medium" } }, servers: [], tiers: {} });
`,
    );
    const r = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: project }).catch((e: { stdout: string; code: number }) => e);
    expect((r as { stdout: string }).stdout).toBe("");
  }, 240_000);

  it("type-checks a program that imports the edge with skipLibCheck off, without installing Lambda's types itself", async () => {
    // The edge's AWS adapters name Lambda's event types in their declarations; the package brings them.
    const dir = path.join(project, "edge-consumer");
    await mkdir(dir, { recursive: true });
    await linkProviders();
    await writeFile(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: ["node"] }, include: ["*.ts"] }),
    );
    await writeFile(
      path.join(dir, "handler.ts"),
      `import { functionUrlHandler, createEdge, type V2Event } from "pulumi-mcp-auth/edge";
export const handler: typeof functionUrlHandler = functionUrlHandler;
export type Event = V2Event;
export const make: typeof createEdge = createEdge;
`,
    );
    const r = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir }).catch((e: { stdout: string; code: number }) => e);
    expect((r as { stdout: string }).stdout).toBe("");
  }, 240_000);

  it("runs the installed pulumi-mcp-auth bin: check passes a good declaration and exits 1 on a bad one", async () => {
    const bin = path.join(project, "node_modules/.bin/pulumi-mcp-auth");
    const ok = await run(bin, ["check", "mcp-auth.ts", "--format", "json"], { cwd: project, env: { ...process.env, NO_COLOR: "1" } });
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, summary: { errors: 0 }, plan: { name: "wiki" } });
    await writeFile(
      path.join(project, "bad.ts"),
      `import declaration from "./mcp-auth.ts";
export default { ...declaration, tiers: { ...declaration.tiers, verified: { ...declaration.tiers.verified, pkce: "plain" } } };
`,
    );
    const bad = await run(bin, ["check", "bad.ts"], { cwd: project }).catch((e: { code: number; stdout: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stdout: string }).stdout).toMatch(/pkce-s256/);
    const version = await run(bin, ["--version"], { cwd: project });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await readdir(path.join(project, "node_modules/pulumi-mcp-auth/dist/cli"))).toContain("main.js");
  });

  it("type-checks the README's TypeScript examples against the installed package and the Pulumi providers", async () => {
    const blocks = await readmeBlocks();
    expect(blocks.length).toBe(3);
    const dir = path.join(project, "readme");
    await mkdir(dir, { recursive: true });
    await linkProviders();
    await writeFile(path.join(dir, "mcp-auth.ts"), blocks[0]!);
    await writeFile(path.join(dir, "stack.ts"), `${blocks[1]!}\n${blocks[2]!}\nexport { auth, edge };\n`);
    await writeFile(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] }, include: ["*.ts"] }),
    );
    const r = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir }).catch((e: { stdout: string; code: number }) => e);
    expect((r as { stdout: string }).stdout).toBe("");
    // From the installed package, McpEdge deploys the shipped bundles instead of building one.
    const probe = await run(process.execPath, ["--input-type=module", "-e", 'const b = await import("pulumi-mcp-auth/aws"); console.log(b.prebuiltBundle("gateway"), b.prebuiltBundle("authorizer"))'], { cwd: project }).catch((e: { stderr: string }) => e);
    expect(String((probe as { stdout?: string }).stdout ?? (probe as { stderr: string }).stderr)).toMatch(/node_modules\/pulumi-mcp-auth\/dist\/edge\/index\.cjs .*node_modules\/pulumi-mcp-auth\/dist\/edge\/authorizer\/index\.cjs/);
  }, 120_000);

  it("maps every subpath export to the same type declarations for TypeScript's node10 resolution (typesVersions)", async () => {
    const pkg = JSON.parse(await readFile(path.join(project, "node_modules/pulumi-mcp-auth/package.json"), "utf8")) as {
      exports: Record<string, { types?: string } | string>;
      typesVersions?: Record<string, Record<string, string[]>>;
    };
    const subpaths = Object.entries(pkg.exports).filter(([k, v]) => k !== "." && typeof v === "object" && v.types);
    expect(subpaths.length).toBeGreaterThan(0);
    for (const [key, value] of subpaths) {
      const types = (value as { types: string }).types.replace(/^\.\//, "");
      expect(pkg.typesVersions?.["*"]?.[key.replace(/^\.\//, "")], `typesVersions entry for ${key}`).toEqual([types]);
      expect(packedFiles, `${types} is in the package`).toContain(types);
    }
  });

  it("builds a project made from Pulumi's default TypeScript template (CommonJS, moduleResolution node) with the README examples and every subpath import", async () => {
    await linkProviders();
    const dir = path.join(project, "pulumi-template");
    await mkdir(dir, { recursive: true });
    // `pulumi new typescript`: Pulumi.yaml with the nodejs runtime, main index.ts, and this tsconfig.
    await writeFile(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime:\n  name: nodejs\ndescription: MCP authorization\n");
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "platform", main: "index.ts" }, null, 2));
    await writeFile(
      path.join(dir, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            outDir: "bin",
            target: "es2020",
            module: "commonjs",
            moduleResolution: "node",
            sourceMap: true,
            experimentalDecorators: true,
            pretty: false,
            noFallthroughCasesInSwitch: true,
            noImplicitReturns: true,
            forceConsistentCasingInFileNames: true,
            // The template pins TypeScript 5; TypeScript 6 (this repository's) deprecates node10 resolution.
            ...(Number(JSON.parse(await readFile(path.join(ROOT, "node_modules/typescript/package.json"), "utf8")).version.split(".")[0]) >= 6 ? { ignoreDeprecations: "6.0" } : {}),
          },
          files: ["index.ts", "require-check.ts"],
        },
        null,
        2,
      ),
    );
    const [declaration, idp, edgeBlock] = await readmeBlocks();
    await writeFile(path.join(dir, "mcp-auth.ts"), declaration!);
    await writeFile(path.join(dir, "index.ts"), `${idp!}\n${edgeBlock!}\nexport const edgeUrl = edge;\nexport const idpServers = auth.servers;\n`);
    // Every entry point a Pulumi program uses, as a CommonJS program requires it (Node 22.12+ loads the
    // ES modules). Not among them: `pulumi-mcp-auth/local` (the laptop stack, needs the MCP SDK) and
    // `pulumi-mcp-auth/edge` (the Lambda handler, whose types use `@types/aws-lambda`).
    await writeFile(
      path.join(dir, "require-check.ts"),
      `import * as root from "pulumi-mcp-auth";
import * as okta from "pulumi-mcp-auth/okta";
import * as auth0 from "pulumi-mcp-auth/auth0";
import * as entra from "pulumi-mcp-auth/entra";
import * as aws from "pulumi-mcp-auth/aws";
export const kinds = [typeof root.compile, typeof okta.OktaMcpAuth, typeof auth0.Auth0McpAuth, typeof auth0.McpAuthAuth0, typeof entra.EntraMcpAuth, typeof aws.McpEdge];
`,
    );
    const r = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir }).catch((e: { stdout: string; code: number }) => e);
    expect((r as { stdout: string }).stdout).toBe("");
    const probe = await run(process.execPath, ["-e", 'console.log(JSON.stringify(require("./bin/require-check.js").kinds))'], { cwd: dir });
    expect(JSON.parse(probe.stdout)).toEqual(["function", "function", "function", "function", "function", "function"]);
  }, 480_000);
});
