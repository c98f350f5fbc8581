import { mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of `buildEdgeBundle`. */
export interface BuildEdgeOptions {
  /** Output directory. Default `dist/edge` under the package root. */
  outdir?: string;
  /** Entry file. Default `lambda/aws-entry.ts`. */
  entry?: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the edge into ONE minified ESM file (`index.mjs`; platform node, target node20) with
 * esbuild. `node:*` built-ins stay external; jose and zod/mini are inlined.
 * @returns the file path and its size in bytes.
 */
export async function buildEdgeBundle(opts: BuildEdgeOptions = {}): Promise<{ file: string; bytes: number }> {
  const { build } = await import("esbuild");
  const outdir = resolve(opts.outdir ?? join(here, "..", "dist", "edge"));
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, "index.mjs");
  await build({
    entryPoints: [opts.entry ?? join(here, "aws-entry.ts")],
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    // jose's "node" export condition is not needed: the WebCrypto build works on Node 20 and is smaller.
    conditions: ["import"],
    mainFields: ["module", "main"],
    logLevel: "warning",
  });
  return { file, bytes: statSync(file).size };
}

/** The deployable bundles the package ships prebuilt (`npm run build`), relative to `dist/edge`. */
export const PREBUILT_BUNDLES = {
  /** Function URL / HTTP API handler (gateway mode). */
  gateway: { entry: "aws-entry.ts", dir: "." },
  /** API Gateway REST authorizer (authorizer mode). */
  authorizer: { entry: "aws/authorizer-entry.ts", dir: "authorizer" },
} as const;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [mode, b] of Object.entries(PREBUILT_BUNDLES)) {
    const { file, bytes } = await buildEdgeBundle({ outdir: join(here, "..", "dist", "edge", b.dir), entry: join(here, b.entry) });
    process.stdout.write(`${mode}: ${file} ${(bytes / 1024).toFixed(1)} KB\n`);
  }
}
