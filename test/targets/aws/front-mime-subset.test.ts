import { createRequire } from "node:module";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { mimeDbSubsetPlugin } from "../../../components/front/aws/build.js";
import { FRONT_MIME_SHORT_NAMES } from "../../../components/front/aws/mime-subset.js";

/**
 * The front's bundle keeps a subset of mime-db (mime-subset.ts). Every answer the front can get from
 * mime-types, type-is and accepts (koa's and oidc-provider's calls) must be the same as with the full
 * database: the same libraries are bundled with and without the subset and asked the same questions.
 */
const here = resolve(".");
const koaRequire = createRequire(createRequire(join(here, "package.json")).resolve("koa"));
const accepts = koaRequire.resolve("accepts");

/** Full types the front and its libraries set or test (oidc-provider's responses, koa's defaults). */
const FULL_TYPES = [
  "application/json",
  "application/jwt",
  "application/jwk-set+json",
  "application/token-introspection+jwt",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "text/html",
  "text/plain",
  "text/html; charset=utf-8",
  "text/plain; charset=utf-8",
  "application/javascript",
  "application/xml",
  "text/css",
  "image/png",
];

async function bundled(subset: boolean): Promise<Record<string, unknown>> {
  const { build } = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "front-mime-"));
  const entry = join(dir, "entry.cjs");
  writeFileSync(
    entry,
    `const mime = require(${JSON.stringify(createRequire(join(here, "package.json")).resolve("mime-types"))});
const typeis = require(${JSON.stringify(createRequire(join(here, "package.json")).resolve("type-is"))});
const accepts = require(${JSON.stringify(accepts)});
module.exports = (names, types) => {
  const out = {};
  for (const n of [...names, ...types]) out["contentType " + n] = mime.contentType(n);
  for (const n of [...names, ...types]) out["lookup " + n] = mime.lookup(n);
  for (const t of types) out["charset " + t] = mime.charset(t);
  // extension(type) is not called by anything in the bundle; asked only for the kept types.
  for (const t of ${JSON.stringify(["text/html", "text/plain", "application/json", "application/octet-stream"])}) out["extension " + t] = mime.extension(t);
  for (const t of types) out["is " + t] = [typeis.is(t, ["urlencoded"]), typeis.is(t, ["json", "html"]), typeis.is(t, ["application/x-www-form-urlencoded"]), typeis.is(t, ["text/*", "+json"])];
  for (const t of types) {
    const req = { headers: { accept: t } };
    out["accepts " + t] = [accepts(req).types("json", "html"), accepts(req).types("html"), accepts(req).types("json", "application/token-introspection+jwt")];
  }
  return out;
};
`,
  );
  const outfile = join(dir, subset ? "subset.cjs" : "full.cjs");
  await build({ entryPoints: [entry], outfile, bundle: true, format: "cjs", platform: "node", logLevel: "error", plugins: subset ? [mimeDbSubsetPlugin(createRequire(join(here, "package.json")).resolve("mime-db"))] : [] });
  const answer = createRequire(outfile)(outfile) as (names: readonly string[], types: readonly string[]) => Record<string, unknown>;
  return answer(FRONT_MIME_SHORT_NAMES, FULL_TYPES);
}

describe("the front bundle's mime-db subset", () => {
  it("answers every question the front asks exactly as the full database does", async () => {
    const [full, subset] = await Promise.all([bundled(false), bundled(true)]);
    expect(Object.keys(full).length).toBeGreaterThan(80);
    expect(subset).toEqual(full);
  }, 60_000);
});
