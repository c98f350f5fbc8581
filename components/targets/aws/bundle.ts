import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Which bundle each mode deploys. Both are one minified esbuild CommonJS file (`index.cjs` in the archive) with
 * the handler exported as `handler`.
 * - gateway: `lambda/aws-entry.ts` (Function URL with response streaming, HTTP API v2 events);
 * - authorizer: `lambda/aws/authorizer-entry.ts` (REST API REQUEST authorizer events and the
 *   payload 1.0 proxy events of the metadata route).
 */
export const EDGE_HANDLER = "index.handler";

/** Absolute path of a mode's entry file: the TypeScript source in the repository, the compiled `.js` in the published package. */
export function entryFor(mode: "gateway" | "authorizer"): string {
  const rel = mode === "gateway" ? "../../../lambda/aws-entry" : "../../../lambda/aws/authorizer-entry";
  const ts = fileURLToPath(new URL(`${rel}.ts`, import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL(`${rel}.js`, import.meta.url));
}

/**
 * The bundle the published package ships (`dist/edge/…`, built by `npm run build`), used when the
 * TypeScript sources are absent, i.e. when running from the installed package: then `pulumi up`
 * needs no esbuild. In the repository the bundle is always built fresh from the sources.
 */
export function prebuiltBundle(mode: "gateway" | "authorizer"): string | undefined {
  if (entryFor(mode).endsWith(".ts")) return undefined;
  const rel = mode === "gateway" ? "../../../edge/index.cjs" : "../../../edge/authorizer/index.cjs";
  const file = fileURLToPath(new URL(rel, import.meta.url));
  return existsSync(file) ? file : undefined;
}

/**
 * The bundle file to deploy: `bundleFile` when given, else the package's prebuilt bundle, else a
 * fresh esbuild build into a temporary directory (in the repository; about a second).
 */
export async function resolveBundle(mode: "gateway" | "authorizer", bundleFile?: string): Promise<string> {
  if (bundleFile) return bundleFile;
  const prebuilt = prebuiltBundle(mode);
  if (prebuilt) return prebuilt;
  const outdir = mkdtempSync(join(tmpdir(), `pulumi-mcp-auth-${mode}-`));
  // Loaded lazily: with a prebuilt bundleFile, esbuild need not be installed where `pulumi up` runs.
  const { buildEdgeBundle } = await import("../../../lambda/build.js");
  const { file } = await buildEdgeBundle({ outdir, entry: entryFor(mode) });
  return file;
}
