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
 * Bundles the edge into ONE minified CommonJS file (`index.cjs`; platform node, target node20) with
 * esbuild. `node:*` built-ins stay external; jose and zod (core) are inlined. CommonJS because Node's
 * ESM loader alone costs a few ms of every cold start (the Lambda nodejs runtimes `require` an
 * `index.cjs` handler); the entry's named exports become `module.exports` properties (`index.handler`).
 * @returns the file path and its size in bytes.
 */
export async function buildEdgeBundle(opts: BuildEdgeOptions = {}): Promise<{ file: string; bytes: number }> {
  const { build } = await import("esbuild");
  const outdir = resolve(opts.outdir ?? join(here, "..", "dist", "edge"));
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, "index.cjs");
  const entry = resolve(opts.entry ?? join(here, "aws-entry.ts"));
  // The entry's export names (one unbundled transform, a few ms). Re-exporting them by name from a
  // stdin module that assigns `module.exports` spares esbuild's ESM-to-CommonJS interop helpers.
  const probe = await build({ entryPoints: [entry], bundle: false, write: false, metafile: true, format: "esm", outdir, logLevel: "silent" });
  const names = Object.values(probe.metafile.outputs)[0]?.exports ?? [];
  if (!names.includes("handler")) throw new Error(`${entry} exports no \`handler\``);
  await build({
    stdin: { contents: `import { ${names.join(", ")} } from ${JSON.stringify(entry)};\nmodule.exports = { ${names.join(", ")} };\n`, resolveDir: dirname(entry), sourcefile: "index.cjs.ts", loader: "ts" },
    outfile: file,
    bundle: true,
    format: "cjs",
    // The sources are ES modules (strict mode); keep them strict as CommonJS.
    banner: { js: '"use strict";' },
    platform: "node",
    target: "node20",
    // The Lambda Node.js runtime ships the AWS SDK v3: it stays out of the bundle and off the cold path,
    // loaded only when secrets live in Secrets Manager or an audit checkpoint is written (KMS, Logs).
    external: ["@aws-sdk/*"],
    minify: true,
    treeShaking: true,
    legalComments: "none",
    // jose's "node" export condition is not needed: the WebCrypto build works on Node 20 and is smaller.
    conditions: ["import"],
    mainFields: ["module", "main"],
    // The entries read `import.meta.url` only when `__dirname` is absent (i.e. when loaded as ESM).
    logOverride: { "empty-import-meta": "silent" },
    logLevel: "warning",
    plugins: [sealedConfigOnly],
  });
  return { file, bytes: statSync(file).size };
}

/**
 * The core's config module becomes `config-bundled.ts` in the bundle: configs are validated (zod)
 * and sealed at deploy time, and the cold start checks only their seal (config-seal.ts). The
 * validator (zod and the schema, about 17 KB minified) stays out of the bundle and off the cold start.
 */
const sealedConfigOnly: import("esbuild").Plugin = {
  name: "sealed-config-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(?:\.\.\/)?config\.js$/ }, (args) => (resolve(args.resolveDir, args.path) === join(here, "config.js") ? { path: join(here, "config-bundled.ts") } : undefined));
  },
};

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
