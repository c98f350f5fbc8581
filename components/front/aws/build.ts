import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metafile, Plugin } from "esbuild";
import { mimeDbSubset } from "./mime-subset.js";

/**
 * Bundles the front's Lambda home into one minified CommonJS file (`index.cjs`, handler
 * `index.handler`) with esbuild, like the edge's `lambda/build.ts`.
 *
 * Cold start is mostly the time to load code, so the bundle is shaped for it:
 * - no AWS SDK client: the front speaks to DynamoDB and Secrets Manager with its own small client
 *   (`aws-json-client.ts`: AWS's SigV4 signer, `@smithy/signature-v4`, bundled from its ES module
 *   build, ~15 KB, and a keep-alive node:https request per call) instead of the SDK's clients
 *   (~320 KB of middleware, protocol and endpoint-rule code to compile and run at every cold
 *   start). A package that is not installed where the bundle is built stays external: the Lambda
 *   Node.js runtimes ship the SDK v3 and its `@smithy/*` packages. Every other `@aws-sdk/*` and
 *   `@smithy/*` import stays external too;
 * - `import { z } from "zod"` is compiled as a namespace import of zod's classic API, which esbuild
 *   can tree-shake (the `z` object of zod's index keeps every locale and the JSON Schema code alive:
 *   ~450 KB minified for a few object schemas);
 * - one small `mime-db` (mime-subset.ts: the entries whose answers the front can observe) instead
 *   of two full copies (koa's `accepts` pins an older one), each indexed at load;
 * - koa's `body instanceof Response` / `instanceof ReadableStream` checks first look for the
 *   method such an object has: reading the `Response` global makes Node load its fetch
 *   implementation (undici) and `ReadableStream` its web streams, on the first JSON answer, for
 *   nothing (the front never answers with either). Same result for every value;
 * - oidc-provider's two `Intl.ListFormat` (error message wording) are created on first use instead
 *   of at load: creating one loads ICU's locale data, a measurable slice of the cold start;
 * - `destroy` (koa's, for stream bodies) reads `fs.ReadStream` and requires `zlib` at load, only for
 *   `instanceof` checks when a stream body is destroyed: Node then loads its fs streams, fs/promises
 *   with readline, and zlib at every cold start. They are read on the first check instead (the front
 *   answers no stream bodies; same answers for every value);
 * - oidc-provider's and koa's `node:assert` is a check that loads Node's assert module only when an
 *   assertion fails (`LAZY_ASSERT_SOURCE`): their assertions at load and in `new Provider` all pass,
 *   and loading Node's assert (with its diff and worker helpers) is a few milliseconds of every
 *   cold start. A failing assertion throws Node's own AssertionError, as before.
 */
const here = dirname(fileURLToPath(import.meta.url));

/** The Lambda entry: the TypeScript source in the repository, the compiled `.js` in the package. */
export function frontEntry(): string {
  const ts = join(here, "entry.ts");
  return existsSync(ts) ? ts : join(here, "entry.js");
}

/** The AWS packages bundled into the front's Lambda (when installed where the bundle is built): the SigV4 signer of its own client. */
export const FRONT_BUNDLED_SDK_CLIENTS = ["@smithy/signature-v4"] as const;

export interface FrontBundleOptions {
  outdir?: string;
  /** Another entry (the audit surface's Lambda reuses this build). */
  entry?: string;
  /** AWS SDK packages to bundle (with what they import); others stay external. Default: {@link FRONT_BUNDLED_SDK_CLIENTS} for the front's entry, none for another entry. */
  bundleSdkClients?: readonly string[];
  /** Also return esbuild's metafile (what is in the bundle, by input). */
  metafile?: boolean;
  /** Default true; false keeps names and module comments (profiling). */
  minify?: boolean;
}

/** Rewrites `import { z } from "zod"` in the project's own sources into a namespace import esbuild can tree-shake. */
function zodNamespacePlugin(zodClassic: string): Plugin {
  const named = /import\s*\{\s*z\s*\}\s*from\s*["']zod["'];?/g;
  return {
    name: "zod-namespace",
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.includes(`${"/"}node_modules${"/"}`)) return undefined;
        const text = readFileSync(args.path, "utf8");
        if (!named.test(text)) return undefined;
        named.lastIndex = 0;
        return { contents: text.replace(named, `import * as z from ${JSON.stringify(zodClassic)};`), loader: "ts", resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Resolves every `mime-db` to one copy holding only what the front can observe (mime-subset.ts). */
export function mimeDbSubsetPlugin(mimeDb: string): Plugin {
  return {
    name: "mime-db-subset",
    setup(b) {
      b.onResolve({ filter: /^mime-db$/ }, () => ({ path: mimeDb, namespace: "front-mime-db" }));
      b.onLoad({ filter: /.*/, namespace: "front-mime-db" }, (args) => {
        const db = JSON.parse(readFileSync(join(dirname(args.path), "db.json"), "utf8")) as Parameters<typeof mimeDbSubset>[0];
        return { contents: `module.exports = ${JSON.stringify(mimeDbSubset(db))};\n`, loader: "js" };
      });
    },
  };
}

/** Guards koa's `instanceof Response|ReadableStream` so that plain bodies never touch those lazy globals. */
function koaWebGlobalsPlugin(): Plugin {
  const guard: Record<string, string> = { Response: "arrayBuffer", ReadableStream: "getReader" };
  return {
    name: "koa-web-globals",
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]koa[\\/]lib[\\/](response|application)\.js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        const contents = text.replace(/\b(\w+) instanceof (Response|ReadableStream)\b/g, (_m, v: string, g: string) => `(typeof ${v}?.${guard[g]} === "function" && ${v} instanceof ${g})`);
        return { contents, loader: "js" };
      });
    },
  };
}

/** Makes oidc-provider's module-level `Intl.ListFormat` instances lazy (same `format` results). */
function lazyListFormatPlugin(): Plugin {
  return {
    name: "lazy-list-format",
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]oidc-provider[\\/]lib[\\/]helpers[\\/]formatters\.js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        const contents = text.replace(/const (\w+) = new Intl\.ListFormat\(([^)]*)\);/g, (_m, name: string, init: string) => `let ${name}Instance;\nconst ${name} = { format: (list) => (${name}Instance ??= new Intl.ListFormat(${init})).format(list) };`);
        return { contents, loader: "js" };
      });
    },
  };
}

/** Makes `destroy`'s `fs.ReadStream` and `zlib` lookups happen at the first check instead of at load. */
function lazyDestroyBuiltinsPlugin(): Plugin {
  return {
    name: "lazy-destroy-builtins",
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]destroy[\\/]index\.js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        const eager = ["var ReadStream = require('fs').ReadStream\n", "var Zlib = require('zlib')\n"];
        // An unexpected version is bundled as it is (correct, only slower).
        if (!eager.every((line) => text.includes(line))) return undefined;
        const contents = eager
          .reduce((t, line) => t.replace(line, ""), text)
          .replace(/\binstanceof ReadStream\b/g, "instanceof require('fs').ReadStream")
          .replace(/\bZlib\./g, "require('zlib').");
        return { contents, loader: "js" };
      });
    },
  };
}

/**
 * `node:assert` for oidc-provider and koa, which call only `assert(value, message)` (`ok`) and, on
 * the strict export, `assert.equal(actual, expected, message)` (`strictEqual`): a passing check
 * costs a comparison; a failing one calls Node's assert with the same arguments, which throws.
 */
export const LAZY_ASSERT_SOURCE = `"use strict";
let real;
const load = () => (real ??= require("node:assert"));
function ok(value, message) {
  if (!value) load().ok.apply(undefined, arguments);
}
ok.equal = function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) load().strict.equal.apply(undefined, arguments);
};
ok.ok = ok;
ok.strict = ok;
module.exports = ok;
`;

/** Resolves oidc-provider's and koa's `node:assert` to {@link LAZY_ASSERT_SOURCE}. */
function lazyAssertPlugin(): Plugin {
  return {
    name: "lazy-assert",
    setup(b) {
      b.onResolve({ filter: /^(node:)?assert$/ }, (args) => (/[\\/]node_modules[\\/](oidc-provider|koa)[\\/]/.test(args.importer) ? { path: "lazy-assert", namespace: "front-lazy-assert" } : undefined));
      b.onLoad({ filter: /.*/, namespace: "front-lazy-assert" }, () => ({ contents: LAZY_ASSERT_SOURCE, loader: "js" }));
    },
  };
}

/** Keeps `@aws-sdk/*` and `@smithy/*` external except the bundled packages and what they import. */
function awsSdkPlugin(bundled: ReadonlySet<string>): Plugin {
  return {
    name: "aws-sdk-external",
    setup(b) {
      b.onResolve({ filter: /^@(aws-sdk|smithy|aws)\// }, (args) => {
        const pkg = args.path.split("/").slice(0, 2).join("/");
        const fromSdk = /[\\/]node_modules[\\/]@(aws-sdk|smithy|aws)[\\/]/.test(args.importer);
        if (bundled.has(pkg) || (fromSdk && bundled.size > 0)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

export async function buildFrontBundle(opts: FrontBundleOptions = {}): Promise<{ file: string; bytes: number; metafile?: Metafile }> {
  const { build } = await import("esbuild");
  const outdir = resolve(opts.outdir ?? join(here, "..", "..", "..", "dist", "front"));
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, "index.cjs");
  const entry = resolve(opts.entry ?? frontEntry());
  if (!existsSync(entry)) throw new Error(`front bundle: entry ${entry} does not exist`);
  const require = createRequire(entry);
  const installed = (pkg: string): boolean => {
    try {
      require.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  const wanted = opts.bundleSdkClients ?? (opts.entry === undefined ? FRONT_BUNDLED_SDK_CLIENTS : []);
  const bundled = new Set(wanted.filter(installed));
  const plugins: Plugin[] = [awsSdkPlugin(bundled), koaWebGlobalsPlugin(), lazyListFormatPlugin(), lazyDestroyBuiltinsPlugin(), lazyAssertPlugin()];
  if (installed("zod")) plugins.push(zodNamespacePlugin(join(dirname(require.resolve("zod/package.json")), "v4", "classic", "external.js")));
  if (installed("mime-db")) plugins.push(mimeDbSubsetPlugin(require.resolve("mime-db")));
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(entry)};\n`, resolveDir: dirname(entry), sourcefile: "front-index.ts", loader: "ts" },
    outfile: file,
    bundle: true,
    format: "cjs",
    banner: { js: '"use strict";' },
    platform: "node",
    target: "node22",
    minify: opts.minify ?? true,
    treeShaking: true,
    legalComments: "none",
    // ES module builds first (the AWS SDK's are tree-shakable per command); packages with an
    // `exports` map pick theirs by condition.
    mainFields: ["module", "main"],
    conditions: ["module"],
    external: ["dynalite"],
    plugins,
    metafile: opts.metafile ?? false,
    logOverride: { "empty-import-meta": "silent" },
    logLevel: "warning",
  });
  return { file, bytes: statSync(file).size, ...(result.metafile ? { metafile: result.metafile } : {}) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, bytes } = await buildFrontBundle();
  process.stdout.write(`front: ${file} ${(bytes / 1024).toFixed(1)} KB\n`);
}
