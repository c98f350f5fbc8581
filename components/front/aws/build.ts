import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Bundles the front's Lambda home into one minified CommonJS file (`index.cjs`, handler
 * `index.handler`) with esbuild, like the edge's `lambda/build.ts`. The AWS SDK v3 stays external:
 * the Lambda Node.js runtimes ship it, so the bundle carries only the front (oidc-provider and its
 * dependencies, jose, zod).
 */
const here = dirname(fileURLToPath(import.meta.url));

/** The Lambda entry: the TypeScript source in the repository, the compiled `.js` in the package. */
export function frontEntry(): string {
  const ts = join(here, "entry.ts");
  return existsSync(ts) ? ts : join(here, "entry.js");
}

export async function buildFrontBundle(opts: { outdir?: string; entry?: string } = {}): Promise<{ file: string; bytes: number }> {
  const { build } = await import("esbuild");
  const outdir = resolve(opts.outdir ?? join(here, "..", "..", "..", "dist", "front"));
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, "index.cjs");
  const entry = resolve(opts.entry ?? frontEntry());
  if (!existsSync(entry)) throw new Error(`front bundle: entry ${entry} does not exist`);
  await build({
    stdin: { contents: `export { handler, createHandler } from ${JSON.stringify(entry)};\n`, resolveDir: dirname(entry), sourcefile: "front-index.ts", loader: "ts" },
    outfile: file,
    bundle: true,
    format: "cjs",
    banner: { js: '"use strict";' },
    platform: "node",
    target: "node22",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    external: ["@aws-sdk/*", "@smithy/*", "dynalite"],
    logOverride: { "empty-import-meta": "silent" },
    logLevel: "warning",
  });
  return { file, bytes: statSync(file).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, bytes } = await buildFrontBundle();
  process.stdout.write(`front: ${file} ${(bytes / 1024).toFixed(1)} KB\n`);
}
